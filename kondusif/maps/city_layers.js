/* SiKondusif city map: every layer of the map drawn from compact data (kondusif/maps/).

   Read from disk by kondusif/maps/layers.py and inlined, after Leaflet and
   leaflet.markercluster, into the map's own iframe (streamlit-folium), whose CSP allows
   inline scripts. Data arrive as arguments built in Python: every string is JSON with
   <, >, & escaped, and every value a popup or label shows is escaped again here (esc). */
window.skCityLayers = function (map, GEO, KEC, KEL, RT, INC, C, SHOW) {
  if (window.performance && performance.mark) performance.mark("sk-layers-start");  // benchmarks/bench_browser.py
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function dec(b64, T) {
    var s = atob(b64), n = s.length, u = new Uint8Array(n);
    for (var i = 0; i < n; i++) u[i] = s.charCodeAt(i);
    return new T(u.buffer);
  }
  var TYPES = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array};
  function col(pair) { return dec(pair[1], TYPES[pair[0]]); }

  var overlays = {};

  // Kelurahan filled by level; clicking one opens its panel (streamlit-folium returns the feature).
  var selected = null;
  function kelStyle(f) {
    var p = KEL[f.properties.k];
    if (p && p[0] === C.noNews) {  // Tidak ada kabar: hatched grey (the pattern is added below)
      return {fillColor: "url(#sk-hatch)", fillOpacity: 0.9, color: "#4a4a4a", weight: 1, opacity: 0.9};
    }
    var color = p ? C.levelColors[p[0]] : C.outOfScope;
    return {fillColor: color, fillOpacity: p ? 0.55 : 0.25, color: "#4a4a4a", weight: 1, opacity: 0.9};
  }
  // The hatch of "Tidak ada kabar": an SVG pattern in the overlay pane's own SVG (issue 24).
  function addHatch() {
    var svg = map.getPanes().overlayPane.querySelector("svg");
    if (!svg || svg.querySelector("#sk-hatch")) return;
    var ns = "http://www.w3.org/2000/svg";
    var defs = document.createElementNS(ns, "defs");
    var pat = document.createElementNS(ns, "pattern");
    var attrs = {id: "sk-hatch", patternUnits: "userSpaceOnUse", width: 8, height: 8,
                 patternTransform: "rotate(45)"};
    for (var a in attrs) pat.setAttribute(a, attrs[a]);
    var bg = document.createElementNS(ns, "rect");
    bg.setAttribute("width", 8); bg.setAttribute("height", 8); bg.setAttribute("fill", "#dcdcdc");
    var line = document.createElementNS(ns, "rect");
    line.setAttribute("width", 3); line.setAttribute("height", 8); line.setAttribute("fill", C.levelColors[C.noNews]);
    pat.appendChild(bg); pat.appendChild(line); defs.appendChild(pat);
    svg.insertBefore(defs, svg.firstChild);
  }
  var kelLayer = L.geoJSON(GEO, {
    className: "sk-kel",
    style: kelStyle,
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 10, className: "sk-kel"});
    },
    onEachFeature: function (f, layer) {
      var p = KEL[f.properties.k];
      f.properties.kode_kelurahan = f.properties.k;
      layer.bindTooltip(p ? p[1] : esc(f.properties.k), {sticky: true, className: "sk-tip", opacity: 0.97});
      layer.on("click", function () {
        if (selected && selected !== layer) kelLayer.resetStyle(selected);
        selected = layer;
        layer.setStyle({weight: 3, color: "#000"});
        if (layer.bringToFront) layer.bringToFront();
      });
    }
  }).addTo(map);
  kelLayer.eachLayer(function (layer) {  // lets tests and assistive tools find a kelurahan
    if (layer._path) layer._path.setAttribute("data-kode", layer.feature.properties.k);
  });
  addHatch();
  overlays[C.names.kelurahan] = kelLayer;

  // Coverage layer (issue 24): the share of each kelurahan's RT heard from, off until switched on.
  var COVER = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  function coverColor(share) { return COVER[Math.min(4, Math.floor(share * 5))]; }
  var hasCoverage = false;
  for (var code in KEL) { if (KEL[code][2] != null) { hasCoverage = true; break; } }
  if (hasCoverage) {
    var coverLayer = L.geoJSON(GEO, {
      className: "sk-cover", interactive: false,
      style: function (f) {
        var p = KEL[f.properties.k];
        var known = p && p[2] != null;
        return {fillColor: known ? coverColor(p[2]) : C.outOfScope, fillOpacity: known ? 0.8 : 0.2,
                color: "#4a4a4a", weight: 1, opacity: 0.9};
      }
    });
    overlays[C.names.coverage] = coverLayer;
  }

  if (KEC) {
    var kecLayer = L.geoJSON(KEC, {
      className: "sk-kec", interactive: false,
      style: function () { return {fill: false, color: "#263238", weight: 2.2, opacity: 0.85}; }
    }).addTo(map);
    overlays[C.names.kecamatan] = kecLayer;
  }
  // Names above the report clusters (marker pane 600), below tooltips (650).
  map.createPane("skLabels");
  map.getPane("skLabels").style.zIndex = 640;
  map.getPane("skLabels").style.pointerEvents = "none";
  var labelLayer = L.layerGroup(C.labels.map(function (l) {
    return L.marker([l[0], l[1]], {
      interactive: false, keyboard: false, pane: "skLabels",
      icon: L.divIcon({className: "sk-kec-label", html: "<span>" + esc(l[2]) + "</span>", iconSize: null})
    });
  })).addTo(map);
  overlays[C.names.labels] = labelLayer;

  // RT points coloured by RT level.
  if (RT && RT.pts.length) {
    var rtLayer = L.featureGroup(RT.pts.map(function (r) {
      // Kondusif RT stay discreet; Waspada/Rawan RT stand out with a dark ring.
      var m = L.circleMarker([r[0], r[1]], r[2] > 0 ? {
        radius: 6, className: "sk-rt", weight: 1.5, color: "#212121", fillColor: C.levelColors[r[2]], fillOpacity: 1
      } : {
        radius: 2.5, className: "sk-rt", weight: 0.5, color: "#fff", fillColor: "#0b5d2a", fillOpacity: 0.55
      });
      m.feature = {type: "Feature", properties: {kode_kelurahan: r[3], rt: r[4]}};
      m.bindTooltip(RT.tips[r[5]], {className: "sk-tip"});
      return m;
    }));
    if (SHOW.rt) rtLayer.addTo(map);
    overlays[C.names.rt] = rtLayer;
  }

  // Reports: typed arrays decoded here, clustered by leaflet.markercluster.
  if (INC && INC.n > 0 && L.markerClusterGroup) {
    var n = INC.n, qlat = dec(INC.lat, Uint16Array), qlon = dec(INC.lon, Uint16Array);
    var tm = col(INC.t), kind = dec(INC.kind, Uint8Array), kel = col(INC.kel), rt = col(INC.rt);
    var pre = col(INC.pre), seq = col(INC.seq), ttl = col(INC.ttl), approx = dec(INC.approx, Uint8Array);
    var nS = C.severities.length, nT = C.statuses.length;
    var icons = C.severities.map(function (s) {
      return L.divIcon({className: "sk-inc sk-inc-" + s, iconSize: [11, 11]});
    });
    function pad(x, w) { x = String(x); while (x.length < w) x = "0" + x; return x; }
    function wib(i) {
      var d = new Date((INC.t0 + tm[i]) * 60000 + 7 * 3600000);
      return pad(d.getUTCDate(), 2) + "/" + pad(d.getUTCMonth() + 1, 2) + "/" + d.getUTCFullYear() + " " +
        pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2) + " WIB";
    }
    function reportNo(i) {
      var p = INC.prefixes[pre[i]];
      return seq[i] ? p + "-" + pad(seq[i] - 1, INC.pad) : p;
    }
    function popupHtml(i) {
      var k = kind[i], st = k % nT, sv = Math.floor(k / nT) % nS, ct = Math.floor(k / (nT * nS));
      var kl = INC.kels[kel[i]];
      var rows = [
        ["Laporan", reportNo(i)],
        ["Judul", INC.titles[ttl[i]]],
        ["Kelurahan", kl[1] + " (Kec. " + kl[2] + ")"],
        ["RT", rt[i] ? pad(rt[i], 2) : "-"],
        ["Kategori", C.categoryLabels[ct]],
        ["Keparahan", C.severityLabels[sv]],
        ["Waktu", wib(i)],
        ["Status", C.statusLabels[st]]
      ];
      var html = "<table class='sk-popup'>";
      for (var j = 0; j < rows.length; j++) {
        html += "<tr><th>" + esc(rows[j][0]) + "</th><td>" + esc(rows[j][1]) + "</td></tr>";
      }
      if ((approx[i >> 3] >> (i & 7)) & 1) {
        html += "<tr><td colspan='2' class='sk-muted'>Lokasi perkiraan (titik RT/kelurahan)</td></tr>";
      }
      return html + "</table>";
    }
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (c) {
        var count = c.getChildCount();
        return L.divIcon({
          html: "<div>" + count + "</div>", className: "sk-cluster" + (count >= 100 ? " sk-big" : ""),
          iconSize: count >= 100 ? [38, 38] : [30, 30]
        });
      }
    });
    cluster.on("click", function (e) {
      L.popup({maxWidth: 340}).setLatLng(e.layer.getLatLng()).setContent(popupHtml(e.layer._sk)).openOn(map);
    });
    if (SHOW.incidents) cluster.addTo(map);
    overlays[C.names.incidents] = cluster;
    // Issue 14: one marker per report is the slow part of a large map (30,000 markers). The
    // kelurahan levels are what an official reads first, so above DEFER_ABOVE reports they are
    // painted first and the reports fill the (already listed) cluster layer in the next task.
    // Smaller maps fill at once, so their single report dots visible at the start still carry
    // streamlit-folium's click (a report selects its kelurahan in the panel, as before).
    var fill = function () {
      var markers = new Array(n);
      var lat0 = INC.box[0], dlat = INC.box[1], lon0 = INC.box[2], dlon = INC.box[3];
      for (var i = 0; i < n; i++) {
        var m = L.marker([lat0 + qlat[i] * dlat, lon0 + qlon[i] * dlon], {
          icon: icons[Math.floor(kind[i] / nT) % nS], keyboard: false
        });
        m._sk = i;
        m.feature = {type: "Feature", properties: {kode_kelurahan: INC.kels[kel[i]][0]}};
        markers[i] = m;
      }
      cluster.addLayers(markers);
    };
    var DEFER_ABOVE = 5000;
    if (n <= DEFER_ABOVE) {
      fill();
    } else if (window.requestAnimationFrame) {
      requestAnimationFrame(function () { setTimeout(fill, 0); });
    } else {
      setTimeout(fill, 0);
    }
    window.SiKondusif = {popupHtml: popupHtml, incidents: n, reportLayer: cluster};
  }

  // Legend: level colours, report dots, and what the measure is.
  // Issue 12.8: on a narrow map (a phone) the legend and the layer box start folded.
  var narrow = map.getSize().x < C.narrowPx;
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "sk-legend" + (narrow ? " sk-narrow sk-folded" : ""));
    L.DomEvent.disableClickPropagation(div);
    var html = "<button type='button' class='sk-legend-toggle' aria-expanded='" + !narrow + "'>Legenda</button>" +
      "<div class='sk-legend-body'><b>Tingkat kondusivitas</b><br>";
    for (var j = 0; j < C.levelLabels.length; j++) {
      html += (j === C.noNews ? "<i class='sk-hatch'></i>" : "<i style='background:" + C.levelColors[j] + "'></i>") +
        esc(C.levelLabels[j]) + "<br>";
    }
    if (hasCoverage) {
      html += "<span class='sk-muted'>" + esc(C.coverageLabel) + ":</span> ";
      for (var q = 0; q < COVER.length; q++) {
        html += "<i class='sk-cov' style='background:" + COVER[q] + "'></i>";
      }
      html += "<span class='sk-muted'>0–100%</span><br>";
    }
    if (C.hasOutOfScope) html += "<i style='background:" + C.outOfScope + "'></i>Di luar cakupan<br>";
    html += "<span class='sk-muted'>Titik laporan:</span> ";
    for (var s = 0; s < C.severities.length; s++) {
      html += "<i class='sk-dot' style='background:" + C.severityColors[s] + "'></i>" + esc(C.severityLabels[s]) + " ";
    }
    html += "<br><span class='sk-muted'>" + esc(C.notice) + "</span></div>";
    div.innerHTML = html;
    var toggle = div.querySelector(".sk-legend-toggle");
    L.DomEvent.on(toggle, "click", function () {
      var folded = L.DomUtil.hasClass(div, "sk-folded");
      (folded ? L.DomUtil.removeClass : L.DomUtil.addClass)(div, "sk-folded");
      toggle.setAttribute("aria-expanded", String(folded));
    });
    return div;
  };
  legend.addTo(map);
  var layersControl = L.control.layers(null, overlays, {collapsed: C.collapsed || narrow, position: "topright"});
  layersControl.addTo(map);
  var layersToggle = layersControl.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (layersToggle) {  // Leaflet titles it "Layers"
    layersToggle.title = "Lapisan peta";
    layersToggle.setAttribute("aria-label", "Lapisan peta");
  }

  // Issue 12.11: kecamatan names are centred on their point; where two overlap at this zoom
  // (Utara II / Selatan II), the later one moves down below the earlier one.
  function declutter() {
    var spans = [];
    labelLayer.eachLayer(function (m) {
      var el = m.getElement && m.getElement();
      var span = el && el.firstChild;
      if (span) { span.style.top = "0px"; spans.push(span); }
    });
    var placed = [];
    spans.forEach(function (span) {
      var r = span.getBoundingClientRect(), shift = 0, moved = true, guard = 0;
      while (moved && guard++ < 12) {
        moved = false;
        for (var i = 0; i < placed.length; i++) {
          var q = placed[i];
          if (r.left < q.right + 2 && r.right > q.left - 2 && r.top + shift < q.bottom + 1 && r.bottom + shift > q.top - 1) {
            shift = q.bottom + 1 - r.top;
            moved = true;
          }
        }
      }
      span.style.top = shift + "px";
      placed.push({left: r.left, right: r.right, top: r.top + shift, bottom: r.bottom + shift});
    });
  }
  map.on("zoomend viewreset resize overlayadd", declutter);
  map.whenReady(function () { setTimeout(declutter, 0); });

  // Issue 12.3: Leaflet's keyboard handler focuses the map container on the first mousedown;
  // that focus moves the mouseup off the polygon, so the first click on a kelurahan never
  // fired. Focus after the click instead (keyboard panning and Tab focus still work).
  if (map.keyboard) {
    L.DomEvent.off(map.getContainer(), "mousedown", map.keyboard._onMouseDown, map.keyboard);
    map.on("click", function () {
      if (!map.keyboard._focused) map.getContainer().focus({preventScroll: true});
    });
  }
};
