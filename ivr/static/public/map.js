// The public live map: markers and a list of recent requests, kept current by the event stream.
// Request data is only ever put into the page as text (textContent), never as HTML.
(function () {
  "use strict";

  var root = document.getElementById("map");
  var config = root.dataset;
  var list = document.getElementById("request-list");
  var empty = document.getElementById("empty");
  var liveStatus = document.getElementById("live-status");
  var COLOURS = { open: "#c0392b", closed: "#2e7d32" };
  var shown = {}; // service_request_id -> {marker, item}

  var FIT_MAX_ZOOM = 16; // a lone request is shown at street level, not at the closest zoom
  var FIT_PADDING = [40, 40];

  // Opens at the configured centre, which stays only while there is no request to show.
  var map = L.map(root).setView([Number(config.lat), Number(config.long)], Number(config.zoom));
  window.voice311Tiles.add(map, config);

  // The map follows the requests (fits them all as they load and arrive) until the visitor
  // drags or zooms it or opens a popup: from then on it stays where the visitor put it.
  var following = true;
  var fitting = false;
  map.on("dragstart zoomstart popupopen", function () { if (!fitting) following = false; });

  function pageUrl(request) {
    return "/requests/" + encodeURIComponent(request.service_request_id);
  }

  function text(tag, className, value) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    element.textContent = value;
    return element;
  }

  function describe(request) {
    var box = document.createElement("div");
    box.className = "popup";
    box.appendChild(text("strong", "service", request.service_name || request.service_code));
    if (request.address) box.appendChild(text("div", "address", request.address));
    box.appendChild(text("div", "status status-" + request.status, request.status));
    if (request.status_notes) box.appendChild(text("div", "notes", request.status_notes));
    var link = text("a", "more", "Request " + request.service_request_id);
    link.href = pageUrl(request);
    box.appendChild(link);
    return box;
  }

  function listItem(request) {
    var item = document.createElement("li");
    item.className = "request";
    item.dataset.id = request.service_request_id;
    item.dataset.status = request.status;
    var link = text("a", "service", request.service_name || request.service_code);
    link.href = pageUrl(request);
    item.appendChild(link);
    item.appendChild(text("span", "status status-" + request.status, request.status));
    item.appendChild(text("div", "address", request.address || "No address given"));
    if (request.status_notes) item.appendChild(text("div", "notes", request.status_notes));
    return item;
  }

  function hasPoint(request) {
    return typeof request.lat === "number" && typeof request.long === "number";
  }

  // Shows a request, or brings an already shown one up to date. `fresh`: it has just arrived.
  function show(request, fresh) {
    var id = request.service_request_id;
    var item = listItem(request);
    var known = shown[id];
    if (known) {
      list.replaceChild(item, known.item);
      known.item = item;
      if (known.marker) {
        known.marker.setStyle({ color: COLOURS[request.status] || "#555" });
        known.marker.setPopupContent(describe(request));
      }
    } else {
      if (fresh) list.insertBefore(item, list.firstChild); else list.appendChild(item);
      var marker = null;
      if (hasPoint(request)) {
        marker = L.circleMarker([request.lat, request.long], {
          radius: 8, weight: 2, fillOpacity: 0.6, color: COLOURS[request.status] || "#555",
          className: "request-marker"
        }).bindPopup(describe(request)).addTo(map);
        marker.getElement().dataset.id = id;
      }
      shown[id] = { marker: marker, item: item };
    }
    if (fresh) item.classList.add("fresh");
    empty.hidden = list.children.length > 0;
  }

  // Fits every request with a point into view (the configured centre when there is none).
  function fitToRequests() {
    if (!following) return;
    var points = [];
    Object.keys(shown).forEach(function (id) {
      if (shown[id].marker) points.push(shown[id].marker.getLatLng());
    });
    if (points.length === 0) return;
    fitting = true;
    try {
      map.fitBounds(L.latLngBounds(points), {
        padding: FIT_PADDING, maxZoom: FIT_MAX_ZOOM, animate: false
      });
    } finally {
      fitting = false;
    }
  }

  function setLive(state, words) {
    liveStatus.dataset.state = state;
    liveStatus.textContent = words;
  }

  function listen() {
    var url = config.eventsUrl + "?after=" + encodeURIComponent(config.cursor);
    var source = new EventSource(url);
    source.onopen = function () { setLive("live", "Live: new requests appear as they are filed."); };
    source.onerror = function () { setLive("reconnecting", "Reconnecting…"); };
    function onChange(event) {
      show(JSON.parse(event.data), true);
      fitToRequests();
    }
    source.addEventListener("created", onChange);
    source.addEventListener("updated", onChange);
  }

  fetch(config.requestsUrl, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("requests: " + response.status);
      return response.json();
    })
    .then(function (requests) {
      requests.forEach(function (request) { show(request, false); });
      fitToRequests();
    })
    .catch(function () { setLive("reconnecting", "The list could not be loaded."); })
    .then(listen);
})();
