// The contributor's status page, a little smoother with JavaScript (everything works without it).
(function () {
  'use strict';
  // A form came back with mistakes: the list of them at the top takes the focus (autofocus does
  // it in most browsers; this covers the rest), so a screen reader starts there.
  var summary = document.getElementById('error-summary');
  if (summary && document.activeElement !== summary) summary.focus();

  // Browsers without CSS :has() show every payment method's fields: hide the ones not chosen.
  var hasSelector = window.CSS && CSS.supports && CSS.supports('selector(:has(*))');
  if (hasSelector) return;
  Array.prototype.forEach.call(document.querySelectorAll('.payee-form'), function (form) {
    function show() {
      var chosen = form.querySelector('input[name=method]:checked');
      var after = form.querySelector('.payee-after-method');
      if (after) after.hidden = !chosen;
      Array.prototype.forEach.call(form.querySelectorAll('.payee-group'), function (group) {
        group.hidden = !chosen || group.getAttribute('data-method') !== chosen.value;
      });
    }
    form.addEventListener('change', show);
    show();
  });
})();
