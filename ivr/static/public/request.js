// One request's page: a small map with its point (the page reads fine without tiles or script).
(function () {
  "use strict";
  var root = document.getElementById("request-map");
  if (!root) return;
  var config = root.dataset;
  var point = [Number(config.lat), Number(config.long)];
  var map = L.map(root).setView(point, Number(config.zoom));
  window.voice311Tiles.add(map, config);
  L.circleMarker(point, { radius: 9, weight: 2, fillOpacity: 0.6, color: "#c0392b" }).addTo(map);
})();
