// A signature box: draw with a finger, pen or mouse; the drawing goes into a hidden input as
// a PNG data URL when the form is sent. No library: pointer events and a canvas.
(function () {
  "use strict";
  function attach(box) {
    var canvas = box.querySelector("canvas");
    var input = box.querySelector("input[type=hidden]");
    var clear = box.querySelector("[data-clear]");
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;

    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.2; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#1d2430";
      drawn = false; input.value = "";
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true; last = point(event); canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; drawn = true; event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () {
        if (drawing && drawn) { input.value = canvas.toDataURL("image/png"); }
        drawing = false;
      });
    });
    if (clear) {
      clear.addEventListener("click", function (event) {
        event.preventDefault(); ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false; input.value = "";
      });
    }
    box.closest("form").addEventListener("submit", function () {
      if (drawn) { input.value = canvas.toDataURL("image/png"); }
    });
    resize();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(attach);
  });
})();
