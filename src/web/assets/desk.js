// The desk's keyboard shortcuts and small comforts. No framework, no build step, no inline
// handlers (the page CSP forbids them): every action submits one of the page's own forms, so
// the server, the CSRF token and the tip's version work exactly as they do without JavaScript.
(function () {
  'use strict';
  var page = document.body.getAttribute('data-page');
  var QUEUE_KEY = 'tipdesk.queue';

  // On a phone the queue's filters start folded away (unless some are in use); without JavaScript they stay open.
  Array.prototype.forEach.call(document.querySelectorAll('details[data-collapse-on-phone]'), function (box) {
    if (window.matchMedia('(max-width: 40rem)').matches && !box.hasAttribute('data-active')) box.open = false;
  });

  var toastBox;
  function toast(message) {
    if (!toastBox) {
      toastBox = document.createElement('div');
      toastBox.id = 'desk-toast';
      toastBox.className = 'toast';
      toastBox.setAttribute('role', 'status');
      toastBox.setAttribute('aria-live', 'polite');
      document.body.appendChild(toastBox);
    }
    toastBox.textContent = message;
    toastBox.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { toastBox.hidden = true; }, 3500);
  }

  // --- the help overlay -------------------------------------------------------------------
  var help = document.getElementById('shortcut-help');
  var helpOpener = null;
  function showHelp(show) {
    if (!help) return;
    if (show) {
      helpOpener = document.activeElement;
      help.hidden = false;
      var close = help.querySelector('[data-help-close]');
      if (close) close.focus();
    } else {
      help.hidden = true;
      if (helpOpener && helpOpener.focus) helpOpener.focus();
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll('[data-help]'), function (button) {
    button.hidden = false;
    button.addEventListener('click', function () { showHelp(true); });
  });
  if (help) {
    help.addEventListener('click', function (event) {
      if (event.target === help || event.target.closest('[data-help-close]')) showHelp(false);
    });
  }

  // --- shared helpers -----------------------------------------------------------------------
  function typing(event) {
    var el = event.target;
    if (!el || el === document.body) return false;
    var tag = el.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
  }

  /** Presses the page's own button for a shortcut (a real form submit, with its _csrf and version). */
  function press(key) {
    var button = document.querySelector('button[data-shortcut="' + key + '"]');
    if (!button) return false;
    var form = button.form;
    if (form && form.requestSubmit) form.requestSubmit(button);
    else button.click();
    return true;
  }

  function storedQueue() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || 'null');
      if (!saved || !Array.isArray(saved.hrefs)) return null;
      // Only our own addresses are ever followed from storage.
      saved.hrefs = saved.hrefs.filter(function (href) { return /^\/desk\/tips\/[0-9a-f-]{36}$/.test(href); });
      if (typeof saved.url !== 'string' || !/^\/desk(\?|$)/.test(saved.url)) saved.url = '/desk';
      return saved;
    } catch (e) {
      return null;
    }
  }

  // --- the queue ----------------------------------------------------------------------------
  var rows = Array.prototype.slice.call(document.querySelectorAll('[data-tip-row]'));
  var selected = -1;

  function select(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (selected >= 0 && rows[selected]) {
      rows[selected].classList.remove('selected');
      rows[selected].removeAttribute('aria-current');
    }
    selected = index;
    var row = rows[selected];
    row.classList.add('selected');
    row.setAttribute('aria-current', 'true');
    var link = row.querySelector('a.ref');
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }

  if (page === 'queue') {
    var hrefs = rows.map(function (row) { return row.getAttribute('data-href'); });
    try {
      sessionStorage.setItem(QUEUE_KEY, JSON.stringify({ url: location.pathname + location.search, hrefs: hrefs }));
    } catch (e) { /* private mode: the shortcuts still work on this page */ }
    rows.forEach(function (row, index) {
      row.addEventListener('click', function (event) {
        if (event.target.closest('a')) sessionStorage.setItem(QUEUE_KEY + '.last', row.getAttribute('data-href'));
        if (event.target.closest('a, button, input, select')) return;
        select(index);
      });
    });
    var lastOpened = sessionStorage.getItem(QUEUE_KEY + '.last');
    if (lastOpened && hrefs.indexOf(lastOpened) >= 0) select(hrefs.indexOf(lastOpened));
  }

  function openSelected() {
    if (selected < 0) return false;
    var href = rows[selected].getAttribute('data-href');
    sessionStorage.setItem(QUEUE_KEY + '.last', href);
    location.assign(href);
    return true;
  }

  // --- the tip page -------------------------------------------------------------------------
  var neighbours = { previous: null, next: null };
  if (page === 'tip') {
    var queue = storedQueue();
    var here = location.pathname;
    if (queue) {
      var back = document.getElementById('back-to-queue');
      if (back && queue.url) back.setAttribute('href', queue.url);
      var at = queue.hrefs.indexOf(here);
      if (at >= 0) {
        sessionStorage.setItem(QUEUE_KEY + '.last', here);
        neighbours.previous = at > 0 ? queue.hrefs[at - 1] : null;
        neighbours.next = at < queue.hrefs.length - 1 ? queue.hrefs[at + 1] : null;
        var nav = document.querySelector('.tip-nav');
        var prevLink = document.getElementById('prev-tip');
        var nextLink = document.getElementById('next-in-queue');
        if (nav) nav.hidden = false;
        if (prevLink) {
          if (neighbours.previous) prevLink.setAttribute('href', neighbours.previous);
          else prevLink.hidden = true;
        }
        if (nextLink) {
          if (neighbours.next) nextLink.setAttribute('href', neighbours.next);
          else nextLink.hidden = true;
        }
      }
    }
  }

  function goNeighbour(which) {
    var href = neighbours[which];
    if (href) {
      location.assign(href);
      return;
    }
    toast(which === 'next' ? 'That was the last tip on this page of the queue.' : 'That was the first tip on this page of the queue.');
  }

  var STATUS_WORDS = { v: 'verified', r: 'rejected', s: 'marked as spam' };

  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (help && !help.hidden) {
      if (event.key === 'Escape' || event.key === '?') {
        event.preventDefault();
        showHelp(false);
      }
      return;
    }
    if (typing(event)) return;
    var key = event.key;
    if (key === '?') {
      if (help) {
        event.preventDefault();
        showHelp(true);
      }
      return;
    }
    if (page === 'queue') {
      if (key === 'j') select(selected + 1);
      else if (key === 'k') select(selected < 0 ? 0 : selected - 1);
      else if (key === 'o' || (key === 'Enter' && selected >= 0 && (document.activeElement === document.body || rows[selected].contains(document.activeElement)))) {
        if (!openSelected()) return;
      } else if (key === 'n') press('n');
      else return;
      event.preventDefault();
    } else if (page === 'tip') {
      if (key === 'j') goNeighbour('next');
      else if (key === 'k') goNeighbour('previous');
      else if (key === 'n') press('n');
      else if (key === 'c') {
        if (!press('c')) toast('This tip is already yours.');
      } else if (STATUS_WORDS[key]) {
        if (!press(key)) toast('This tip cannot be ' + STATUS_WORDS[key] + ' from its current status.');
      } else return;
      event.preventDefault();
    }
  });
})();
