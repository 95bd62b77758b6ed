// Progressive enhancement of the public tip form. Without JavaScript the form posts normally
// (multipart, files included). With it, each chosen file goes up on its own through the tus
// endpoint /api/uploads as soon as it is chosen (tus-js-client, served by the app as
// /assets/vendor/…): a progress bar, pause/resume and remove per file, automatic retries when
// the connection drops, and after a reload an offer to resume. When every file is up, the form
// is posted without the files and with `uploads` = the finished upload ids. The receipt replaces
// the page; a form that comes back with mistakes is fitted into this page instead, so the files
// already uploaded (or still uploading) and their progress stay exactly where they are.
(function () {
  var form = document.getElementById('tip-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = document.getElementById('files');
  var filesField = input && input.closest('.field');
  var box = document.getElementById('upload-progress');
  var bar = box.querySelector('progress');
  var text = box.querySelector('.progress-text');
  var tus = window.tus;
  var resumable = !!(tus && tus.isSupported && input && window.DOMParser);
  // Each upload's chunk size adapts to its line (upload-chunks.js). window.tipdeskUploadChunkSize
  // pins it for the browser tests (small chunks); pages never set it.
  var FIXED_CHUNK_SIZE = Number(window.tipdeskUploadChunkSize) || 0;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
  // Files going up at once: under the server's UPLOADS_CONCURRENT_PER_CLIENT (4) requests in
  // flight per connection, with room for a resume's HEAD. The others wait their turn.
  var MAX_ACTIVE_UPLOADS = 3;

  function chunkPolicy() {
    var policies = window.tipdeskChunkPolicy;
    var fixed = FIXED_CHUNK_SIZE || (policies ? 0 : 5 * 1024 * 1024);
    if (!fixed) return policies.create();
    if (policies) return policies.create({ start: fixed, min: fixed, max: fixed });
    return { size: function () { return fixed; }, succeeded: function () { return fixed; }, failed: function () { return fixed; } };
  }

  function errorCode(response) {
    try { return JSON.parse(response.getBody()).code || ''; } catch (e) { return ''; }
  }

  function button() {
    return form.querySelector('button[type=submit]');
  }

  function busy(on, label) {
    var b = button();
    b.disabled = on;
    b.textContent = label || 'Send my tip';
  }

  /** The whole answer replaces the page (the receipt, or a page that is not the form). */
  function replacePage(html) {
    document.open();
    document.write(html);
    document.close();
  }

  // Proof of work (ALTCHA). Past a soft threshold of tips from one connection (or always, when the
  // paper sets POW_ALWAYS) a post and a new upload must carry a solved challenge. The widget is
  // loaded only then, from the app's own assets, and does a few seconds of sums in a worker.
  var pow = { needed: false, loading: null };

  function loadAltcha() {
    if (pow.loading) return pow.loading;
    pow.loading = new Promise(function (resolve, reject) {
      var style = document.createElement('link');
      style.rel = 'stylesheet';
      style.href = form.getAttribute('data-pow-style');
      document.head.appendChild(style);
      var script = document.createElement('script');
      script.src = form.getAttribute('data-pow-script');
      script.onload = function () {
        // The "external" build brings no workers of its own (they would be blob: URLs the CSP refuses).
        var workerUrl = form.getAttribute('data-pow-worker');
        ['PBKDF2/SHA-256', 'PBKDF2/SHA-384', 'PBKDF2/SHA-512'].forEach(function (name) {
          window.$altcha.algorithms.set(name, function () { return new Worker(workerUrl); });
        });
        resolve();
      };
      script.onerror = function () {
        pow.loading = null;
        reject(new Error('not loaded'));
      };
      document.head.appendChild(script);
    });
    return pow.loading;
  }

  /** A fresh solution (each is accepted once), or null when none is asked for. */
  function proof() {
    if (!pow.needed) return Promise.resolve(null);
    return loadAltcha().then(function () {
      var widget = document.getElementById('pow-widget');
      if (!widget) {
        // Outside the form: its hidden field must not travel with the tip's fields.
        widget = document.createElement('altcha-widget');
        widget.id = 'pow-widget';
        widget.setAttribute('challenge', form.getAttribute('data-pow-challenge'));
        form.parentNode.insertBefore(widget, form.nextSibling);
      }
      return customElements.whenDefined('altcha-widget').then(function () { return widget.verify(); });
    }).then(function (result) {
      if (!result || !result.payload) throw new Error('not solved');
      return result.payload;
    });
  }

  /** Posts the form by XHR; the answer is the receipt, or the form again with its mistakes. */
  function send(data, onDone) {
    busy(true, pow.needed ? 'Checking…' : 'Sending…');
    proof().then(function (solution) { post(data, onDone, solution); }, function () {
      busy(false);
      say('We could not check your browser just now. Please press Send again.');
    });
  }

  function post(data, onDone, solution) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'text/html');
    if (solution) xhr.setRequestHeader('X-Altcha', solution);
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable || resumable) return;
      var percent = Math.floor((e.loaded / e.total) * 100);
      bar.value = percent;
      text.textContent = percent + '%';
    };
    xhr.onload = function () {
      // Asked for a proof of work this page did not know it needed: solve it and post again, once.
      if (xhr.status === 403 && !solution && xhr.responseText.indexOf('id="pow-explanation"') !== -1) {
        pow.needed = true;
        return send(data, onDone);
      }
      if (onDone) onDone(xhr.status);
      if (xhr.status === 201 || !resumable || !fitIn(xhr.responseText)) replacePage(xhr.responseText);
    };
    xhr.onerror = function () {
      busy(false);
      say('The connection dropped. Please try again.');
    };
    busy(true, 'Sending…');
    xhr.send(data);
  }

  function powFromPage() {
    if (form.getAttribute('data-pow') === 'required') pow.needed = true;
  }
  powFromPage();

  if (!resumable) {
    // Old browsers: one XHR post with the files in it and one progress bar.
    form.addEventListener('submit', function (event) {
      var files = input && input.files;
      if (!files || files.length === 0) return; // nothing slow to show: let the browser post it
      event.preventDefault();
      box.hidden = false;
      send(new FormData(form));
    });
    return;
  }

  /**
   * The form came back with mistakes: its new fields and messages take the place of the old
   * ones, but this page's own file field (the list of uploads, their bars, the tus uploads
   * themselves) stays, so nothing already sent has to be chosen again. The list of mistakes at
   * the top takes the focus. False when the answer is not the form (it then replaces the page).
   */
  function fitIn(html) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var freshMain = doc.getElementById('main');
    var fresh = freshMain && freshMain.querySelector('#tip-form');
    var main = document.getElementById('main');
    var freshInput = fresh && fresh.querySelector('#files');
    if (!fresh || !main || !freshInput || !filesField || filesField.parentNode === null) return false;
    // What the server says about the files (an upload it no longer has, say) goes by our own field.
    Array.prototype.forEach.call(filesField.querySelectorAll('.error, #files-again'), function (old) { old.remove(); });
    var freshError = freshInput.closest('.field').querySelector('.error');
    if (freshError) filesField.insertBefore(document.importNode(freshError, true), input);
    filesField.classList.toggle('has-error', !!freshError);
    var adopted = document.importNode(freshMain, true);
    var newForm = adopted.querySelector('#tip-form');
    main.replaceWith(adopted);
    newForm.querySelector('#files').closest('.field').replaceWith(filesField);
    form = newForm;
    bind();
    document.title = doc.title;
    var summary = document.getElementById('error-summary') || document.getElementById('form-error');
    if (summary) {
      summary.setAttribute('tabindex', '-1');
      summary.focus();
    }
    placeSendPrompt();
    check();
    return true;
  }

  // One live region for the form's upload news (screen readers hear state changes, not every percent).
  var live = document.createElement('p');
  live.id = 'upload-status';
  live.className = 'upload-status';
  live.setAttribute('aria-live', 'polite');
  var list = document.createElement('ul');
  list.id = 'upload-list';
  list.className = 'upload-list';
  box.parentNode.insertBefore(list, box.nextSibling);
  list.parentNode.insertBefore(live, list.nextSibling);

  // The question "Resume your upload?" also sits by the Send button, where a person pressing Send looks.
  var sendPrompt = document.createElement('div');
  sendPrompt.id = 'send-prompt';
  sendPrompt.className = 'send-prompt notice';
  sendPrompt.hidden = true;
  var sendPromptText = document.createElement('p');
  var sendResume = document.createElement('button');
  sendResume.type = 'button';
  sendResume.className = 'upload-resume-here';
  var sendRestart = document.createElement('button');
  sendRestart.type = 'button';
  sendRestart.className = 'upload-restart-here';
  sendPrompt.appendChild(sendPromptText);
  sendPrompt.appendChild(sendResume);
  sendPrompt.appendChild(document.createTextNode(' '));
  sendPrompt.appendChild(sendRestart);

  var items = [];
  var sendWhenDone = false;
  var counter = 0;

  function say(message) {
    live.textContent = message;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  /** "12 KB", "3.4 MB", "1.21 GB": a size a person reads at a glance (never "0.0 MB"). */
  function size(bytes) {
    if (bytes < 1024) return bytes + (bytes === 1 ? ' byte' : ' bytes');
    if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + ' KB';
    if (bytes < 1024 * 1024 * 1024) return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
    return (bytes / (1024 * 1024 * 1024)).toFixed(2) + ' GB';
  }

  function explain(error) {
    var response = error && error.originalResponse;
    var status = response ? response.getStatus() : 0;
    if (status === 415) return 'This is not a video, photo or audio file, so we cannot take it.';
    if (status === 413) return 'This file is too large: each file can be up to ' + input.getAttribute('data-max-file-size') + '.';
    var code = errorCode(response);
    if (code === 'UPLOAD_QUOTA_REACHED') return 'Your connection has sent as much as we can take in one day. Please try again tomorrow.';
    if (status === 429) return 'Too many uploads from your connection just now. Please wait a while, then press Resume.';
    if (status === 403) return 'We could not check your browser for this upload. Please press Resume to try again.';
    if (status === 404 || status === 410) return 'This upload has expired. Please remove it and choose the file again.';
    if (status >= 400 && status < 500) return 'We could not take this file (error ' + status + ').';
    return 'The connection dropped and the upload has stopped. Press Resume to carry on from where it stopped.';
  }

  function uploadId(url) {
    var parts = String(url).split('?')[0].split('/');
    return parts[parts.length - 1];
  }

  function liveItems() {
    return items.filter(function (i) { return i.state !== 'removed'; });
  }

  function setState(item, state, message) {
    var was = item.state;
    item.state = state;
    item.row.setAttribute('data-state', state);
    item.status.textContent = message;
    item.toggle.hidden = state === 'done' || state === 'asking' || state === 'failed';
    item.toggle.textContent = state === 'paused' || state === 'stopped' ? 'Resume' : 'Pause';
    item.offer.hidden = state !== 'asking';
    item.row.classList.toggle('has-error', state === 'failed' || state === 'stopped');
    placeSendPrompt();
    // A file that stopped going up makes room for one waiting its turn (after this callback returns).
    if (was === 'uploading' && state !== 'uploading') setTimeout(startWaiting, 0);
  }

  function startWaiting() {
    liveItems().forEach(function (i) { if (i.state === 'queued') start(i); });
  }

  function progress(item, sent, total) {
    var percent = total ? Math.floor((sent / total) * 100) : 100;
    item.bar.value = percent;
    item.percent.textContent = percent + ' % (' + size(sent) + ' of ' + size(total) + ')';
  }

  /** Shows the first open "resume?" question next to the Send button too (and hides it when there is none). */
  function placeSendPrompt() {
    var asking = liveItems().filter(function (i) { return i.state === 'asking'; })[0];
    var b = button();
    if (b && sendPrompt.parentNode !== b.parentNode) b.parentNode.insertBefore(sendPrompt, b);
    sendPrompt.hidden = !asking;
    if (!asking) return;
    sendPromptText.textContent = 'Before we can send your tip: resume your upload of ' + asking.file.name + '?';
    sendResume.textContent = 'Carry on uploading ' + asking.file.name;
    sendRestart.textContent = 'Upload it from the start';
    sendPrompt.item = asking;
  }
  sendResume.addEventListener('click', function () { if (sendPrompt.item) resumePrevious(sendPrompt.item); });
  sendRestart.addEventListener('click', function () { if (sendPrompt.item) restart(sendPrompt.item); });

  function finished() {
    var current = liveItems();
    var failed = current.filter(function (i) { return i.state === 'failed'; });
    var waiting = current.filter(function (i) { return i.state !== 'done'; });
    if (failed.length) return 'failed';
    return waiting.length ? 'waiting' : 'done';
  }

  function check() {
    var state = finished();
    var count = liveItems().length;
    if (state === 'done' && count) say(count === 1 ? 'Your file is uploaded.' : 'All ' + count + ' files are uploaded.');
    if (!sendWhenDone) return;
    if (state === 'failed') {
      sendWhenDone = false;
      busy(false);
      say('One of your files could not be uploaded (see the message next to it). Remove it or choose another, then send again.');
    } else if (state === 'done') {
      sendWhenDone = false;
      sendTip();
    } else if (liveItems().some(function (i) { return i.state === 'asking'; })) {
      busy(false);
      say('Before we can send your tip, say whether to resume your upload (next to the Send button).');
    }
  }

  function start(item) {
    var active = liveItems().filter(function (i) { return i !== item && i.state === 'uploading'; }).length;
    if (active >= MAX_ACTIVE_UPLOADS) return setState(item, 'queued', 'Waiting for the other files to go up…');
    setState(item, 'uploading', 'Uploading…');
    item.upload.start();
  }

  function resumePrevious(item) {
    if (item.state !== 'asking') return;
    item.upload.resumeFromPreviousUpload(item.previous);
    start(item);
    say('Resuming the upload of ' + item.file.name + '.');
    if (sendWhenDone) busy(true, 'Waiting for your files…');
  }

  function restart(item) {
    if (item.state !== 'asking') return;
    start(item);
    say('Starting the upload of ' + item.file.name + ' again.');
    if (sendWhenDone) busy(true, 'Waiting for your files…');
  }

  /** Removes a chosen file: stops its upload (an unfinished one is deleted from the server) and forgets it. */
  function remove(item) {
    var wasDone = item.state === 'done';
    item.state = 'removed';
    item.upload.abort(!wasDone && !!item.upload.url); // terminate on the server unless it finished (then it simply expires)
    forget(item);
    item.row.remove();
    placeSendPrompt();
    setTimeout(startWaiting, 0);
    say(item.file.name + ' removed.');
    if (sendWhenDone) check();
    else if (finished() === 'done' && liveItems().length) check();
  }

  /** Forgets the upload's stored URL, so choosing the same file again starts anew. */
  function forget(item) {
    var storage = item.upload.options.urlStorage;
    Promise.resolve(item.upload.options.fingerprint(item.file, item.upload.options)).then(function (fingerprint) {
      return storage.findUploadsByFingerprint(fingerprint).then(function (found) {
        found.forEach(function (u) { storage.removeUpload(u.urlStorageKey); });
      });
    }).catch(function () {});
  }

  /** Where the server has a previous upload of this file (its offset), to say how much is already there. */
  function serverOffset(previous) {
    if (!window.fetch || !previous.uploadUrl) return Promise.resolve(null);
    return fetch(previous.uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } }).then(function (r) {
      if (!r.ok) return null;
      var offset = Number(r.headers.get('Upload-Offset'));
      return isNaN(offset) ? null : offset;
    }).catch(function () { return null; });
  }

  function add(file) {
    var n = counter++;
    var item = { file: file, state: 'new' };
    item.row = el('li', 'upload');
    item.row.id = 'upload-' + n;
    var label = el('label', 'upload-name', file.name);
    label.id = 'upload-' + n + '-name';
    label.htmlFor = 'upload-' + n + '-progress';
    item.bar = el('progress');
    item.bar.id = 'upload-' + n + '-progress';
    item.bar.max = 100;
    item.bar.value = 0;
    item.percent = el('span', 'upload-percent', '0 %');
    item.toggle = el('button', 'upload-toggle', 'Pause');
    item.toggle.type = 'button';
    item.toggle.setAttribute('aria-describedby', label.id);
    item.removeButton = el('button', 'upload-remove', 'Remove');
    item.removeButton.type = 'button';
    item.removeButton.setAttribute('aria-label', 'Remove ' + file.name);
    item.status = el('p', 'upload-message');
    item.status.id = 'upload-' + n + '-status';
    item.offer = el('div', 'upload-offer');
    var yes = el('button', 'upload-resume', 'Yes, resume');
    yes.type = 'button';
    var no = el('button', 'upload-restart', 'No, start again');
    no.type = 'button';
    item.offer.appendChild(yes);
    item.offer.appendChild(document.createTextNode(' '));
    item.offer.appendChild(no);
    item.row.appendChild(label);
    item.row.appendChild(item.bar);
    item.row.appendChild(item.percent);
    item.row.appendChild(item.toggle);
    item.row.appendChild(item.removeButton);
    item.row.appendChild(item.status);
    item.row.appendChild(item.offer);
    list.appendChild(item.row);

    item.chunks = chunkPolicy();
    item.upload = new tus.Upload(file, {
      endpoint: '/api/uploads',
      chunkSize: item.chunks.size(),
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: false, // kept until the tip is sent: a reload before that reuses the finished upload
      onProgress: function (sent, total) { if (item.state !== 'removed') progress(item, sent, total); },
      // A new upload past the proof-of-work threshold carries a solution, as the tip post does.
      onBeforeRequest: function (req) {
        if (req.getMethod() === 'PATCH') item.chunkStartedAt = Date.now();
        if (req.getMethod() !== 'POST' || !pow.needed) return;
        return proof().then(function (solution) { req.setHeader('X-Altcha', solution); });
      },
      // The next chunk's size follows how fast this one went (upload-chunks.js).
      onChunkComplete: function (chunkSize) {
        item.upload.options.chunkSize = item.chunks.succeeded(chunkSize, Date.now() - (item.chunkStartedAt || Date.now()));
      },
      onShouldRetry: function (error, attempt, options) {
        var status = error && error.originalResponse ? error.originalResponse.getStatus() : 0;
        // This connection has its share of requests under way (several tabs, say): wait and retry.
        if (status === 429 && errorCode(error.originalResponse) === 'TOO_MANY_UPLOADS_AT_ONCE') return attempt < options.retryDelays.length;
        var creating = error && error.originalRequest && error.originalRequest.getMethod() === 'POST';
        if (status === 403 && creating && !pow.needed) {
          pow.needed = true; // the server asks for a proof of work now: the retry brings one
          return true;
        }
        // tus-js-client's own rule otherwise: no retry of a refusal, except a conflict or a lock.
        var refused = status >= 400 && status < 500 && status !== 409 && status !== 423;
        var retry = !refused && navigator.onLine !== false && attempt < options.retryDelays.length;
        // A cut or a server error: the next request is shorter, so it can finish between two tunnels.
        if (retry && (status === 0 || status >= 500)) item.upload.options.chunkSize = item.chunks.failed();
        return retry;
      },
      onSuccess: function () {
        if (item.state === 'removed') return;
        item.id = uploadId(item.upload.url);
        progress(item, file.size, file.size);
        setState(item, 'done', 'Uploaded.');
        check();
      },
      onError: function (error) {
        if (item.state === 'removed') return;
        var response = error && error.originalResponse;
        var status = response ? response.getStatus() : 0;
        // A network failure after all retries can carry on later; a refusal cannot.
        setState(item, status >= 400 && status !== 429 && status !== 423 && status !== 403 ? 'failed' : 'stopped', explain(error));
        check();
      },
    });

    item.toggle.addEventListener('click', function () {
      if (item.state === 'uploading' || item.state === 'queued') {
        if (item.state === 'uploading') item.upload.abort(); // keeps what the server has; start() carries on from there
        setState(item, 'paused', 'Paused.');
        say('Upload of ' + file.name + ' paused.');
      } else if (item.state === 'paused' || item.state === 'stopped') {
        start(item);
        say('Upload of ' + file.name + ' resumed.');
      }
    });
    item.removeButton.addEventListener('click', function () { remove(item); });
    yes.addEventListener('click', function () { resumePrevious(item); });
    no.addEventListener('click', function () { restart(item); });

    items.push(item);
    setState(item, 'new', 'Getting ready…');
    item.upload.findPreviousUploads().then(function (previous) {
      if (item.state !== 'new') return;
      if (!previous.length) return start(item);
      item.previous = previous[0];
      return serverOffset(item.previous).then(function (offset) {
        if (item.state !== 'new') return;
        if (offset !== null && offset >= file.size) {
          // All of it is already with us: nothing to ask, it just finishes.
          item.upload.resumeFromPreviousUpload(item.previous);
          start(item);
          return;
        }
        if (offset !== null) progress(item, offset, file.size);
        var already = offset ? ' ' + item.percent.textContent.replace(/ \(.*/, '') + ' of it is already with us.' : '';
        setState(item, 'asking', 'Resume your upload of ' + file.name + '?' + already);
        say('Resume your upload of ' + file.name + '?');
        yes.focus();
        if (sendWhenDone) check();
      });
    }, function () { start(item); });
  }

  input.addEventListener('change', function () {
    var chosen = Array.prototype.slice.call(input.files);
    chosen.forEach(add);
    // The list holds the files now: the input is free for another choice (the same file again, too).
    input.value = '';
    if (chosen.length) say(chosen.length === 1 ? 'Uploading your file.' : 'Uploading your ' + chosen.length + ' files.');
  });

  // Back from a tunnel: carry on with any upload that gave up while offline.
  window.addEventListener('online', function () {
    liveItems().forEach(function (item) { if (item.state === 'stopped') start(item); });
  });

  function sendTip() {
    var data = new FormData(form);
    data.delete('files');
    var sent = liveItems();
    sent.forEach(function (item) { data.append('uploads', item.id); });
    send(data, function (status) {
      if (status !== 201) return;
      // The uploads now belong to the tip: forget them, so choosing the same file again starts anew.
      sent.forEach(forget);
    });
  }

  function onSubmit(event) {
    if (!liveItems().length) {
      if (!pow.needed) return; // no files: let the browser post it
      // A browser's own post cannot carry the proof of work's header: post it here.
      event.preventDefault();
      return sendTip();
    }
    event.preventDefault();
    var state = finished();
    if (state === 'done') return sendTip();
    sendWhenDone = true;
    if (state === 'failed') return check();
    var asking = liveItems().filter(function (i) { return i.state === 'asking'; })[0];
    if (asking) {
      placeSendPrompt();
      sendResume.focus();
      return check();
    }
    busy(true, 'Waiting for your files…');
    say('Your tip will be sent as soon as your files are uploaded.');
    liveItems().forEach(function (item) { if (item.state === 'paused' || item.state === 'stopped') start(item); });
  }

  function bind() {
    form.addEventListener('submit', onSubmit);
    powFromPage();
  }
  bind();
  placeSendPrompt();
})();
