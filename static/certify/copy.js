// Copy buttons: <button data-copy="ID"> copies the value of the field #ID and says so in the
// [data-copy-status="ID"] live region. Without JavaScript the button stays hidden and the field
// (read-only, selectable) is there to copy by hand.
(function () {
  "use strict";

  function say(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) status.textContent = text;
  }

  function copy(button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    if (!field) return;
    field.focus();
    field.select();
    var done = function () { say(id, "Copied the link."); };
    var failed = function () { say(id, "Could not copy: the link is selected, copy it with your keyboard."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        (document.execCommand && document.execCommand("copy")) ? done() : failed();
      });
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    } else {
      failed();
    }
  }

  function start() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
