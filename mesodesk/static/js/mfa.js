// Two-step verification pages: no inline scripts (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // django-otp-webauthn announces a new passkey with this event; show the overview page.
  document.addEventListener("otp_webauthn.register_complete", function () {
    var placeholder = document.getElementById("passkey-registration-placeholder");
    var next = placeholder && placeholder.getAttribute("data-after-register");
    if (next) {
      window.location.assign(next);
    }
  });
})();
