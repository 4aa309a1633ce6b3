/* Pamong's page behaviours. The Content-Security-Policy allows no inline
   script, so pages ask for behaviour through data attributes:
   - data-autosubmit on a form field: submit its form when it changes;
   - data-print on a button: open the browser's print dialog. */
(function () {
  'use strict';
  document.addEventListener('change', function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute('data-autosubmit') && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-print]') : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
