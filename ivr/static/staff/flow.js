// Draws the flow's Mermaid text (in <pre class="mermaid">) as an SVG diagram, and lets staff
// zoom and pan it: a generated intake flow is thousands of pixels wide, so it opens fitted to
// the width of the page, and the buttons, Ctrl + wheel, the + and - keys and dragging move
// around in it. Zooming sets the SVG's own width and height (it stays sharp at every scale);
// panning scrolls the viewport around it.
"use strict";
(function () {
  var STEP = 1.25; // one zoom step
  var MIN_SCALE = 0.02;
  var MAX_SCALE = 4;

  var viewport = document.getElementById("diagram-viewport");
  var scaleOutput = document.getElementById("zoom-scale");
  var svg = null;
  var natural = null; // the drawing's own size, from its viewBox
  var scale = 1;

  function clamp(value) { return Math.min(MAX_SCALE, Math.max(MIN_SCALE, value)); }

  // Sets the scale, keeping the diagram's point under (x, y) of the viewport where it was.
  function zoomTo(next, x, y) {
    if (!svg) return;
    next = clamp(next);
    var atX = (viewport.scrollLeft + x) / scale;
    var atY = (viewport.scrollTop + y) / scale;
    scale = next;
    svg.setAttribute("width", String(natural.width * scale));
    svg.setAttribute("height", String(natural.height * scale));
    viewport.scrollLeft = atX * scale - x;
    viewport.scrollTop = atY * scale - y;
    scaleOutput.textContent = Math.round(scale * 100) + "%";
    viewport.dataset.scale = String(scale);
  }

  function zoomAtCentre(factor) {
    zoomTo(scale * factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
  }

  // The whole width of the drawing in view (never larger than its own size).
  function fitWidth() {
    var room = viewport.clientWidth - 2 * padding();
    zoomTo(Math.min(1, room / natural.width), 0, 0);
    viewport.scrollLeft = 0;
    viewport.scrollTop = 0;
  }

  function padding() {
    var pre = document.getElementById("diagram");
    return parseFloat(window.getComputedStyle(pre).paddingLeft) || 0;
  }

  function drawn() {
    svg = viewport.querySelector("svg");
    if (!svg) return;
    var box = svg.viewBox && svg.viewBox.baseVal;
    natural = box && box.width > 0
      ? { width: box.width, height: box.height }
      : { width: svg.getBBox().width, height: svg.getBBox().height };
    svg.style.maxWidth = "none"; // Mermaid may cap it at its container's width
    fitWidth();
  }

  document.getElementById("zoom-in").addEventListener("click", function () { zoomAtCentre(STEP); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomAtCentre(1 / STEP); });
  document.getElementById("zoom-fit").addEventListener("click", function () { if (svg) fitWidth(); });
  document.getElementById("zoom-actual").addEventListener("click", function () { zoomAtCentre(1 / scale); });

  viewport.addEventListener("wheel", function (event) {
    if (!event.ctrlKey && !event.metaKey) return; // a plain wheel scrolls, as everywhere
    event.preventDefault();
    var rect = viewport.getBoundingClientRect();
    var factor = event.deltaY < 0 ? STEP : 1 / STEP;
    zoomTo(scale * factor, event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });

  viewport.addEventListener("keydown", function (event) {
    if (event.key === "+" || event.key === "=") zoomAtCentre(STEP);
    else if (event.key === "-") zoomAtCentre(1 / STEP);
    else if (event.key === "0") { if (svg) fitWidth(); }
    else return;
    event.preventDefault();
  });

  // Dragging with the mouse (or a finger) pans.
  var drag = null;
  viewport.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop };
    viewport.setPointerCapture(event.pointerId);
    viewport.classList.add("dragging");
  });
  viewport.addEventListener("pointermove", function (event) {
    if (!drag) return;
    viewport.scrollLeft = drag.left - (event.clientX - drag.x);
    viewport.scrollTop = drag.top - (event.clientY - drag.y);
  });
  function endDrag() {
    drag = null;
    viewport.classList.remove("dragging");
  }
  viewport.addEventListener("pointerup", endDrag);
  viewport.addEventListener("pointercancel", endDrag);

  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", flowchart: { useMaxWidth: false } });
  mermaid.run({ querySelector: "pre.mermaid" }).then(drawn);
})();
