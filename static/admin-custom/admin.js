/* Smarty admin: selectors that act on change (operator, language, page size). */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select.smarty-autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("select.smarty-navigate").forEach(function (select) {
    select.addEventListener("change", function () { window.location.href = select.value; });
  });
  document.querySelectorAll("form.smarty-confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm || "OK?")) { event.preventDefault(); }
    });
  });
});
