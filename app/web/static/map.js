/* The public map: kelurahan boundaries coloured by their open complaints, and the complaints
 * of the current view as clustered points, reloaded when the view or a filter changes.
 * After each load #map carries data-state="ready", data-features (points drawn), data-bbox and
 * data-query (what was asked), so that a test or a curious citizen can check it. */
(function () {
  "use strict";

  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  var form = document.getElementById("filters");
  var statusLine = document.getElementById("map-status");
  var LIMIT = 2000;
  // Mainland Jakarta (Kepulauan Seribu is reachable by zooming out).
  var JAKARTA = L.latLngBounds([-6.375, 106.68], [-6.08, 106.98]);

  el.dataset.state = "loading";
  var map = L.map(el, {
    zoomSnap: 0.5,
    minZoom: 9,
    maxZoom: 18,
    zoomControl: false,
    attributionControl: true,
  });
  L.control.zoom({ zoomInTitle: "Perbesar", zoomOutTitle: "Perkecil" }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.fitBounds(JAKARTA);

  var tiles = el.dataset.tilesUrl;
  if (tiles) {
    L.tileLayer(tiles, { attribution: el.dataset.tilesAttribution || "", maxZoom: 19 }).addTo(map);
  }

  // ------------------------------------------------------------------ kelurahan choropleth
  var AREA_COLOURS = ["#f6f3ec", "#fcd08f", "#fdb56b", "#f0803c", "#c4411c"];
  function areaColour(open) {
    if (!open) return AREA_COLOURS[0];
    if (open <= 2) return AREA_COLOURS[1];
    if (open <= 5) return AREA_COLOURS[2];
    if (open <= 10) return AREA_COLOURS[3];
    return AREA_COLOURS[4];
  }
  var areaRenderer = L.canvas({ padding: 0.5 });
  fetch(el.dataset.areas, { headers: { Accept: "application/geo+json, application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("areas " + r.status);
      return r.json();
    })
    .then(function (fc) {
      L.geoJSON(fc, {
        renderer: areaRenderer,
        interactive: true,
        style: function (f) {
          var p = f.properties || {};
          return {
            color: tiles ? "#555" : "#8a8278",
            weight: 1,
            fillColor: areaColour(p.open),
            fillOpacity: tiles ? 0.45 : 0.9,
          };
        },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          layer.bindTooltip(
            (p.name || "") + ": " + (p.open || 0) + " belum selesai, " + (p.total || 0) + " total",
            { sticky: true }
          );
        },
      })
        .addTo(map)
        .bringToBack();
      el.dataset.areasDrawn = String((fc.features || []).length);
    })
    .catch(function () {
      el.dataset.areasError = "1";
    });

  // ------------------------------------------------------------------ complaint points
  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    spiderfyOnMaxZoom: true,
    disableClusteringAtZoom: 17,
    iconCreateFunction: function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 10 ? 34 : n < 100 ? 40 : 48;
      return L.divIcon({
        html: "<span>" + n + "</span>",
        className: "cluster",
        iconSize: [size, size],
      });
    },
  });
  map.addLayer(clusters);

  var COLOURS = { red: 1, orange: 1, yellow: 1, green: 1, grey: 1 };
  var DAY = /^\d{4}-\d{2}-\d{2}$/;

  function text(tag, value, cls) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (cls) node.className = cls;
    return node;
  }

  function popup(p) {
    var box = document.createElement("div");
    box.className = "popup";
    box.appendChild(text("h3", p.title || p.category_name || "Aduan warga"));
    var status = text("p", "");
    status.appendChild(text("span", p.status_label || p.status || "", "badge badge-" + (COLOURS[p.colour] ? p.colour : "grey")));
    box.appendChild(status);
    if (p.category_name) box.appendChild(text("p", p.category_name));
    if (p.kelurahan) box.appendChild(text("p", "Kel. " + p.kelurahan));
    if (p.created_at) box.appendChild(text("p", "Dilaporkan " + formatDay(p.created_at)));
    if (p.supports) box.appendChild(text("p", p.supports + " warga mendukung"));
    var url = typeof p.url === "string" && p.url.indexOf("/track/") === 0 ? p.url : "/track/" + encodeURIComponent(p.ticket || "");
    var link = text("a", "Lihat perkembangan " + (p.ticket || ""), "popup-link");
    link.href = url;
    box.appendChild(text("p", "")).appendChild(link);
    return box;
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
  function formatDay(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    // Jakarta's day (UTC+7), whatever the phone's time zone.
    var wib = new Date(d.getTime() + 7 * 3600 * 1000);
    return wib.getUTCDate() + " " + MONTHS[wib.getUTCMonth()] + " " + wib.getUTCFullYear();
  }

  function filterValues() {
    var out = {};
    if (!form) return out;
    ["category", "status", "since"].forEach(function (name) {
      var field = form.elements[name];
      var v = field ? field.value.trim() : "";
      if (name === "since" && v && !DAY.test(v)) v = "";
      if (v) out[name] = v;
    });
    return out;
  }

  function bboxOf(bounds) {
    function clamp(v, lo, hi) {
      return Math.min(hi, Math.max(lo, v));
    }
    return [
      clamp(bounds.getWest(), -180, 180).toFixed(5),
      clamp(bounds.getSouth(), -90, 90).toFixed(5),
      clamp(bounds.getEast(), -180, 180).toFixed(5),
      clamp(bounds.getNorth(), -90, 90).toFixed(5),
    ].join(",");
  }

  var inFlight = null;
  var loads = 0;

  function load() {
    var bbox = bboxOf(map.getBounds());
    var params = new URLSearchParams(filterValues());
    params.set("bbox", bbox);
    params.set("limit", String(LIMIT));
    var query = params.toString();
    if (inFlight) inFlight.abort();
    var controller = typeof AbortController !== "undefined" ? new AbortController() : null;
    inFlight = controller;
    el.dataset.state = "loading";
    el.setAttribute("aria-busy", "true");
    statusLine.textContent = "Memuat aduan…";
    fetch(el.dataset.points + "?" + query, {
      headers: { Accept: "application/geo+json, application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (r) {
        if (!r.ok) throw new Error("points " + r.status);
        return r.json();
      })
      .then(function (fc) {
        if (inFlight !== controller) return; // a newer load replaced this one
        inFlight = null;
        var markers = [];
        (fc.features || []).forEach(function (f) {
          var g = f.geometry;
          if (!g || g.type !== "Point" || !g.coordinates) return;
          var p = f.properties || {};
          var colour = COLOURS[p.colour] ? p.colour : "grey";
          var m = L.marker([g.coordinates[1], g.coordinates[0]], {
            icon: L.divIcon({ className: "pin pin-" + colour, iconSize: [18, 18] }),
            title: (p.ticket || "") + ": " + (p.title || p.category_name || "Aduan") + " (" + (p.status_label || "") + ")",
            riseOnHover: true,
          });
          m.bindPopup(popup(p), { maxWidth: 260 });
          markers.push(m);
        });
        clusters.clearLayers();
        clusters.addLayers(markers);
        loads += 1;
        el.dataset.features = String(markers.length);
        el.dataset.bbox = bbox;
        el.dataset.query = query;
        el.dataset.more = fc.next_cursor ? "1" : "0";
        el.dataset.loads = String(loads);
        el.dataset.state = "ready";
        el.removeAttribute("aria-busy");
        statusLine.textContent =
          markers.length === 0
            ? "Tidak ada aduan di bagian peta ini."
            : markers.length + " aduan di bagian peta ini" +
              (fc.next_cursor ? " (hanya " + LIMIT + " yang terbaru; perbesar peta untuk melihat yang lain)." : ".");
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (inFlight === controller) inFlight = null;
        el.dataset.state = "error";
        el.removeAttribute("aria-busy");
        statusLine.textContent = "Aduan tidak dapat dimuat. Coba lagi sebentar lagi.";
      });
  }

  var timer = null;
  function scheduleLoad() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(load, 200);
  }
  map.on("moveend", scheduleLoad);

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      applyFilters();
    });
    form.addEventListener("change", applyFilters);
  }

  function applyFilters() {
    // The address keeps the filters, so the view can be shared or reloaded.
    var params = new URLSearchParams(filterValues());
    var qs = params.toString();
    if (window.history && history.replaceState) {
      history.replaceState(null, "", qs ? "/?" + qs : "/");
    }
    load();
  }

  load();
})();
