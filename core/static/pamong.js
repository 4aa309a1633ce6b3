/* Pamong's page behaviours. The Content-Security-Policy allows no inline
   script, so pages ask for behaviour through data attributes:
   - data-autosubmit on a form field: submit its form when it changes;
   - data-print on a button: open the browser's print dialog.
   On a phone the staff menu is a line that scrolls sideways: it starts
   scrolled to the module being shown; a table wider than the screen
   scrolls sideways too, and takes the keyboard's focus so that it can be
   scrolled without a pointer. */
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
  document.addEventListener('DOMContentLoaded', function () {
    var menus = document.querySelectorAll('nav.main, nav.sub');
    for (var i = 0; i < menus.length; i++) {
      var current = menus[i].querySelector('[aria-current]');
      if (current && menus[i].scrollWidth > menus[i].clientWidth) {
        menus[i].scrollLeft = current.offsetLeft - menus[i].offsetLeft - 16;
      }
    }
    var tables = document.querySelectorAll('main table');
    for (var j = 0; j < tables.length; j++) {
      if (tables[j].scrollWidth > tables[j].clientWidth) {
        tables[j].tabIndex = 0;
      }
    }
  });
})();
