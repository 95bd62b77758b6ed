// Progressive enhancement of the public tip form. Without JavaScript the form posts normally
// (multipart, files included). With it, each chosen file goes up on its own through the tus
// endpoint /api/uploads as soon as it is chosen (tus-js-client, served by the app as
// /assets/vendor/…): a progress bar and a pause/resume button per file, automatic retries when
// the connection drops, and after a reload an offer to resume. When every file is up, the form
// is posted without the files and with `uploads` = the finished upload ids, and the answer (the
// receipt, or the form with errors) replaces the page as before.
(function () {
  var form = document.getElementById('tip-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = document.getElementById('files');
  var box = document.getElementById('upload-progress');
  var bar = box.querySelector('progress');
  var text = box.querySelector('.progress-text');
  var button = form.querySelector('button[type=submit]');
  var tus = window.tus;
  var resumable = !!(tus && tus.isSupported && input);
  // window.tipdeskUploadChunkSize lets the browser tests use small chunks; pages never set it.
  var CHUNK_SIZE = Number(window.tipdeskUploadChunkSize) || 5 * 1024 * 1024;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];

  /** Posts the form by XHR and writes the answer (receipt or form with errors) into the page. */
  function send(data, onDone) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'text/html');
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable || resumable) return;
      var percent = Math.floor((e.loaded / e.total) * 100);
      bar.value = percent;
      text.textContent = percent + '%';
    };
    xhr.onload = function () {
      if (onDone) onDone(xhr.status);
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      button.disabled = false;
      button.textContent = 'Send my tip';
      say('The connection dropped. Please try again.');
    };
    button.disabled = true;
    button.textContent = 'Sending…';
    xhr.send(data);
  }

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

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
  }

  function explain(error) {
    var response = error && error.originalResponse;
    var status = response ? response.getStatus() : 0;
    if (status === 415) return 'This is not a video, photo or audio file, so we cannot take it.';
    if (status === 413) return 'This file is too large: each file can be up to ' + input.getAttribute('data-max-file-size') + '.';
    if (status === 429) return 'Too many uploads from your connection just now. Please wait a while, then press Resume.';
    if (status === 404 || status === 410) return 'This upload has expired. Please choose the file again.';
    if (status >= 400 && status < 500) return 'We could not take this file (error ' + status + ').';
    return 'The connection dropped and the upload has stopped. Press Resume to carry on from where it stopped.';
  }

  function uploadId(url) {
    var parts = String(url).split('?')[0].split('/');
    return parts[parts.length - 1];
  }

  function setState(item, state, message) {
    item.state = state;
    item.row.setAttribute('data-state', state);
    item.status.textContent = message;
    item.toggle.hidden = state === 'done' || state === 'asking' || state === 'failed';
    item.toggle.textContent = state === 'paused' || state === 'stopped' ? 'Resume' : 'Pause';
    item.offer.hidden = state !== 'asking';
    item.row.classList.toggle('has-error', state === 'failed' || state === 'stopped');
  }

  function progress(item, sent, total) {
    var percent = total ? Math.floor((sent / total) * 100) : 100;
    item.bar.value = percent;
    item.percent.textContent = percent + ' % (' + megabytes(sent) + ' of ' + megabytes(total) + ')';
  }

  function finished() {
    var failed = items.filter(function (i) { return i.state === 'failed'; });
    var waiting = items.filter(function (i) { return i.state !== 'done'; });
    if (failed.length) return 'failed';
    return waiting.length ? 'waiting' : 'done';
  }

  function check() {
    var state = finished();
    if (state === 'done' && items.length) say(items.length === 1 ? 'Your file is uploaded.' : 'All ' + items.length + ' files are uploaded.');
    if (!sendWhenDone) return;
    if (state === 'failed') {
      sendWhenDone = false;
      button.disabled = false;
      button.textContent = 'Send my tip';
      say('One of your files could not be uploaded (see the message next to it). Remove it or choose another, then send again.');
    } else if (state === 'done') {
      sendWhenDone = false;
      sendTip();
    }
  }

  function start(item) {
    setState(item, 'uploading', 'Uploading…');
    item.upload.start();
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
    item.status = el('p', 'upload-message');
    item.status.id = 'upload-' + n + '-status';
    item.toggle.setAttribute('aria-describedby', label.id);
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
    item.row.appendChild(item.status);
    item.row.appendChild(item.offer);
    list.appendChild(item.row);

    item.upload = new tus.Upload(file, {
      endpoint: '/api/uploads',
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: false, // kept until the tip is sent: a reload before that reuses the finished upload
      onProgress: function (sent, total) { progress(item, sent, total); },
      onSuccess: function () {
        item.id = uploadId(item.upload.url);
        progress(item, file.size, file.size);
        setState(item, 'done', 'Uploaded.');
        check();
      },
      onError: function (error) {
        var response = error && error.originalResponse;
        var status = response ? response.getStatus() : 0;
        // A network failure after all retries can carry on later; a refusal cannot.
        setState(item, status >= 400 && status !== 429 && status !== 423 ? 'failed' : 'stopped', explain(error));
        check();
      },
    });

    item.toggle.addEventListener('click', function () {
      if (item.state === 'uploading') {
        item.upload.abort(); // keeps what the server has; start() carries on from there
        setState(item, 'paused', 'Paused.');
        say('Upload of ' + file.name + ' paused.');
      } else if (item.state === 'paused' || item.state === 'stopped') {
        start(item);
        say('Upload of ' + file.name + ' resumed.');
      }
    });
    yes.addEventListener('click', function () {
      item.upload.resumeFromPreviousUpload(item.previous);
      start(item);
      say('Resuming the upload of ' + file.name + '.');
    });
    no.addEventListener('click', function () {
      start(item);
      say('Starting the upload of ' + file.name + ' again.');
    });

    items.push(item);
    setState(item, 'new', 'Getting ready…');
    item.upload.findPreviousUploads().then(function (previous) {
      if (item.state !== 'new') return;
      if (previous.length) {
        item.previous = previous[0];
        setState(item, 'asking', 'Resume your upload of ' + file.name + '?');
        say('Resume your upload of ' + file.name + '?');
        yes.focus();
      } else {
        start(item);
      }
    }, function () { start(item); });
  }

  function clear() {
    items.forEach(function (item) {
      item.state = 'gone';
      item.upload.abort();
    });
    items = [];
    while (list.firstChild) list.removeChild(list.firstChild);
  }

  input.addEventListener('change', function () {
    clear();
    for (var i = 0; i < input.files.length; i++) add(input.files[i]);
    if (input.files.length) say(input.files.length === 1 ? 'Uploading your file.' : 'Uploading your ' + input.files.length + ' files.');
  });

  // Back from a tunnel: carry on with any upload that gave up while offline.
  window.addEventListener('online', function () {
    items.forEach(function (item) { if (item.state === 'stopped') start(item); });
  });

  function sendTip() {
    var data = new FormData(form);
    data.delete('files');
    items.forEach(function (item) { data.append('uploads', item.id); });
    var sent = items.slice();
    send(data, function (status) {
      if (status !== 201) return;
      // The uploads now belong to the tip: forget them, so choosing the same file again starts anew.
      sent.forEach(function (item) {
        var storage = item.upload.options.urlStorage;
        Promise.resolve(item.upload.options.fingerprint(item.file, item.upload.options)).then(function (fingerprint) {
          return storage.findUploadsByFingerprint(fingerprint).then(function (found) {
            found.forEach(function (u) { storage.removeUpload(u.urlStorageKey); });
          });
        }).catch(function () {});
      });
    });
  }

  form.addEventListener('submit', function (event) {
    if (!items.length) return; // no files: let the browser post it
    event.preventDefault();
    var state = finished();
    if (state === 'done') return sendTip();
    sendWhenDone = true;
    if (state === 'failed') return check();
    button.disabled = true;
    button.textContent = 'Waiting for your files…';
    say('Your tip will be sent as soon as your files are uploaded.');
    items.forEach(function (item) { if (item.state === 'paused' || item.state === 'stopped') start(item); });
  });
})();
