// How big each tus PATCH of the public form is (tip-form.js; README, Resumable uploads, says why).
// Start at 5 MiB; after each chunk, aim the next at about TARGET_SECONDS of this line's measured
// speed, growing at most twofold a chunk, up to 50 MiB; after a failure, halve it, never below
// 5 MiB. The server keeps every byte that reached it, so a cut loses only what was in flight
// whatever the chunk's size: big chunks on a good line cost fewer requests, small ones after a
// failure make the next request short enough to finish between two tunnels.
(function (root) {
  'use strict';
  var MiB = 1024 * 1024;
  var DEFAULTS = { start: 5 * MiB, min: 5 * MiB, max: 50 * MiB, targetSeconds: 10 };

  function clamp(value, low, high) {
    return Math.max(low, Math.min(high, Math.floor(value)));
  }

  /** A chunk-size policy for one upload; options override DEFAULTS (the tests use small sizes). */
  function create(options) {
    var o = {};
    Object.keys(DEFAULTS).forEach(function (k) { o[k] = options && options[k] !== undefined ? options[k] : DEFAULTS[k]; });
    var size = clamp(o.start, o.min, o.max);
    return {
      size: function () { return size; },
      /** A chunk of `bytes` was accepted `ms` after its request began. */
      succeeded: function (bytes, ms) {
        if (!(bytes > 0)) return size;
        var perSecond = bytes / Math.max(ms, 1) * 1000;
        size = clamp(Math.min(2 * size, perSecond * o.targetSeconds), o.min, o.max);
        return size;
      },
      /** A request failed (a cut, a timeout, a 5xx): the next one is shorter. */
      failed: function () {
        size = clamp(size / 2, o.min, o.max);
        return size;
      },
    };
  }

  root.tipdeskChunkPolicy = { create: create, DEFAULTS: DEFAULTS };
})(window);
