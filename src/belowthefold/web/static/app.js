// Small progressive enhancements; every page works without this file.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  // Audience selector: switch as soon as a group is chosen.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Arrow keys move between weeks on the week page (not while typing).
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) { return; }
    var link = null;
    if (event.key === "ArrowLeft") { link = document.getElementById("prev-week"); }
    if (event.key === "ArrowRight") { link = document.getElementById("next-week"); }
    if (link) { window.location.href = link.href; }
  });
});
