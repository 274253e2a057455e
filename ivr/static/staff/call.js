// A call's page: its live part is asked for every two seconds, and each section that changed
// is replaced (so a playing recording is not interrupted); the map follows the location.
"use strict";
(function () {
  const live = document.getElementById("call-live");
  if (!live) return;
  const mapBox = document.getElementById("map");
  let map = null;
  let marker = null;

  function showLocation() {
    if (!mapBox || typeof L === "undefined") return;
    const where = document.getElementById("location");
    const lat = where && parseFloat(where.dataset.lat);
    const lon = where && parseFloat(where.dataset.lon);
    if (!map) {
      map = L.map(mapBox).setView([42.3601, -71.0589], 11);
      L.tileLayer(mapBox.dataset.tiles, {
        maxZoom: 19,
        attribution: "© OpenStreetMap contributors",
      }).addTo(map);
    }
    if (Number.isFinite(lat) && Number.isFinite(lon)) {
      if (!marker) marker = L.marker([lat, lon]).addTo(map);
      else marker.setLatLng([lat, lon]);
      map.setView([lat, lon], 17);
    }
  }

  function merge(html) {
    const fresh = document.createElement("div");
    fresh.innerHTML = html; // rendered and escaped by the server's templates
    for (const part of fresh.querySelectorAll("[data-part]")) {
      const old = live.querySelector(`[data-part="${part.dataset.part}"]`);
      if (!old) live.appendChild(part);
      else if (old.innerHTML !== part.innerHTML) old.replaceWith(part);
    }
  }

  async function refresh() {
    try {
      const response = await fetch(live.dataset.source, { credentials: "same-origin" });
      if (response.status === 401) {
        window.location.reload();
        return;
      }
      if (!response.ok) return;
      merge(await response.text());
      showLocation();
    } catch (error) {
      // the next round tries again
    }
  }

  showLocation();
  setInterval(refresh, 2000);
})();
