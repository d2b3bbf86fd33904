// Mirror the server's idle log-out so an unattended tablet does not keep a chart on screen.
// A static file (the Content-Security-Policy allows no inline script); its settings come from
// the data attributes of its own <script> element.
(function () {
  var me = document.currentScript;
  var limit = parseInt(me.getAttribute("data-idle-ms"), 10) || 900000;
  var target = me.getAttribute("data-login-url");
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location = target; }, limit + 5000);
  }
  ["click", "keydown", "touchstart", "htmx:afterRequest"].forEach(function (e) {
    document.addEventListener(e, reset, { passive: true });
  });
  reset();
})();
