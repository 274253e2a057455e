// The map's background tiles, and a notice over the map when they cannot be loaded (no
// internet, a tile server down or refusing us): the markers still work, and the visitor is told
// why the map behind them is blank instead of seeing a grey box without a word.
(function () {
  "use strict";

  var NOTICE = "Map tiles could not be loaded, so the map has no background. " +
    "The requests are still shown.";

  function addTiles(map, config) {
    var layer = L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 });
    var notice = document.createElement("p");
    notice.className = "tile-notice";
    notice.setAttribute("role", "status");
    notice.textContent = NOTICE;
    notice.hidden = true;
    map.getContainer().appendChild(notice);

    // A round of loading (the map opened, moved or zoomed) that lost any tile shows the notice;
    // a round without errors (tiles are back) hides it again.
    var failed = 0;
    layer.on("loading", function () { failed = 0; });
    layer.on("tileerror", function () {
      failed += 1;
      notice.hidden = false;
    });
    layer.on("load", function () { if (failed === 0) notice.hidden = true; });
    return layer.addTo(map);
  }

  window.voice311Tiles = { add: addTiles };
})();
