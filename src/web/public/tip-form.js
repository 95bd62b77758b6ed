// Progressive enhancement: with JavaScript on, send the form with a progress bar. Without it,
// the form posts normally. (Resumable uploads for very large videos build on this.)
(function () {
  var form = document.getElementById('tip-form');
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var box = document.getElementById('upload-progress');
  var bar = box.querySelector('progress');
  var text = box.querySelector('.progress-text');
  var button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', function (event) {
    var files = document.getElementById('files').files;
    if (!files || files.length === 0) return; // nothing slow to show: let the browser post it
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'text/html');
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.floor((e.loaded / e.total) * 100);
      bar.value = percent;
      text.textContent = percent + '%';
    };
    xhr.onload = function () {
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      button.disabled = false;
      text.textContent = 'The connection dropped. Please try again.';
    };
    box.hidden = false;
    button.disabled = true;
    button.textContent = 'Sending…';
    xhr.send(new FormData(form));
  });
})();
