// Click (or tap) a region of an injection map to chart an injection there. The point's
// position is taken in the map's own SVG coordinates and sent with the point form over htmx;
// the server answers with the redrawn chart. Taps are queued and sent one after another, so
// quick taps are never dropped while the previous one is still being saved.
(function () {
  "use strict";
  var queue = [];
  var busy = false;

  function send() {
    if (busy || queue.length === 0) { return; }
    var form = document.getElementById("point-form");
    if (!form) { queue = []; return; }
    var tap = queue.shift();
    ["view", "region", "side", "x", "y"].forEach(function (name) {
      form.querySelector("[name=" + name + "]").value = tap[name];
    });
    busy = true;
    var done = function () { busy = false; send(); };
    window.htmx.ajax("POST", form.getAttribute("hx-post"),
      { source: form, target: "#chart", swap: "outerHTML" }).then(done, done);
  }

  // A dose alert comes back at the top of the page: bring it into view and to the keyboard.
  document.addEventListener("htmx:afterSettle", function () {
    var alert = document.getElementById("dose-alert-ask");
    if (!alert) { return; }
    alert.scrollIntoView({ block: "start" });
    var field = alert.querySelector("textarea, input[type=checkbox]");
    if (field) { field.focus({ preventScroll: true }); }
  });

  document.addEventListener("click", function (event) {
    var region = event.target.closest(".injection-map .region");
    if (!region) { return; }
    var map = region.closest(".injection-map");
    if (!document.getElementById("point-form") || map.dataset.charting !== "true") { return; }
    var svg = map.querySelector("svg");
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    queue.push({
      view: map.dataset.view, region: region.dataset.area, side: region.dataset.side || "",
      x: local.x.toFixed(2), y: local.y.toFixed(2)
    });
    send();
  });
})();

// The topical anaesthetic timer: counts the minutes since application and turns from a
// warning into "time reached" once the protocol's minimum has passed.
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll(".anaesthetic-timer[data-applied]").forEach(function (timer) {
      var applied = Date.parse(timer.dataset.applied);
      var required = parseInt(timer.dataset.required, 10) || 0;
      if (isNaN(applied)) { return; }
      var elapsed = Math.max(0, Math.floor((Date.now() - applied) / 60000));
      var wait = Math.max(0, required - elapsed);
      timer.querySelector("[data-elapsed]").textContent = String(elapsed);
      timer.querySelector("[data-wait]").textContent = wait > 0
        ? "Wait " + wait + " more minute" + (wait === 1 ? "" : "s") + " before injecting."
        : "The minimum time has passed.";
      timer.classList.toggle("warn", wait > 0);
      timer.classList.toggle("ok", wait === 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 15000);
  });
})();
