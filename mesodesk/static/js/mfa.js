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
  // (The library replaces its placeholder element, so the address sits on a wrapper.)
  document.addEventListener("otp_webauthn.register_complete", function () {
    var wrapper = document.getElementById("passkey-register");
    var next = wrapper && wrapper.getAttribute("data-after-register");
    if (next) {
      window.location.assign(next);
    }
  });
})();
