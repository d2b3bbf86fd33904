// The chart's edit forms open in a dialog where the person is looking, not far below the
// lists on a tablet. htmx loads a form into <dialog class="edit-dialog">; this shows it as a
// modal, and "Cancel" closes it. A saved form re-renders the history, dialog included.
(function () {
  "use strict";

  function open(dialog) {
    if (!dialog.open && dialog.children.length && typeof dialog.showModal === "function") {
      dialog.showModal();
      var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches("dialog.edit-dialog")) { open(target); }
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-dialog-close]");
    var dialog = close && close.closest("dialog");
    if (dialog) {
      event.preventDefault();
      dialog.close();
      dialog.innerHTML = "";
    }
  });
})();
