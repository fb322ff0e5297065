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

  // Issue 29.1: the data (KEL, RT, INC, out-of-scope flag) can be replaced later by apply(), so a
  // live map (skCityLive below) keeps its zoom, position and layers while only its data change.
  var ORDER = [C.names.kelurahan, C.names.coverage, C.names.kecamatan, C.names.labels, C.names.rt, C.names.incidents];
  var overlays = {};  // name -> layer, listed in the layer control when it has something to show
  var listedNames = {};
  var layersControl = null;
  var oos = !!C.hasOutOfScope;
  function listed(layer, name, on) {
    if (on) overlays[name] = layer;
    if (!layersControl) return;
    if (on && !listedNames[name]) { layersControl.addOverlay(layer, name); listedNames[name] = true; }
    if (!on && listedNames[name]) { layersControl.removeLayer(layer); delete listedNames[name]; }
  }

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
  function kelTip(f) {
    var p = KEL[f.properties.k];
    return p ? p[1] : esc(f.properties.k);
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
      f.properties.kode_kelurahan = f.properties.k;
      layer.bindTooltip(kelTip(f), {sticky: true, className: "sk-tip", opacity: 0.97});
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
  listed(kelLayer, C.names.kelurahan, true);

  // Coverage layer (issue 24): the share of each kelurahan's RT heard from, off until switched on.
  var COVER = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  function coverColor(share) { return COVER[Math.min(4, Math.floor(share * 5))]; }
  function coverStyle(f) {
    var p = KEL[f.properties.k];
    var known = p && p[2] != null;
    return {fillColor: known ? coverColor(p[2]) : C.outOfScope, fillOpacity: known ? 0.8 : 0.2,
            color: "#4a4a4a", weight: 1, opacity: 0.9};
  }
  var hasCoverage = false;
  var coverLayer = null;
  function drawCoverage() {
    hasCoverage = false;
    for (var code in KEL) { if (KEL[code][2] != null) { hasCoverage = true; break; } }
    if (hasCoverage && !coverLayer) {
      coverLayer = L.geoJSON(GEO, {className: "sk-cover", interactive: false, style: coverStyle});
    } else if (coverLayer) {
      coverLayer.setStyle(coverStyle);
    }
    if (coverLayer) {
      if (!hasCoverage && map.hasLayer(coverLayer)) map.removeLayer(coverLayer);
      listed(coverLayer, C.names.coverage, hasCoverage);
    }
  }

  if (KEC) {
    var kecLayer = L.geoJSON(KEC, {
      className: "sk-kec", interactive: false,
      style: function () { return {fill: false, color: "#263238", weight: 2.2, opacity: 0.85}; }
    }).addTo(map);
    listed(kecLayer, C.names.kecamatan, true);
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
  listed(labelLayer, C.names.labels, true);

  // RT points coloured by RT level.
  var rtLayer = L.featureGroup();
  if (SHOW.rt) rtLayer.addTo(map);
  function drawRt(rtData) {
    rtLayer.clearLayers();
    var has = !!(rtData && rtData.pts.length);
    if (has) {
      rtData.pts.forEach(function (r) {
        // Kondusif RT stay discreet; Waspada/Rawan RT stand out with a dark ring.
        var m = L.circleMarker([r[0], r[1]], r[2] > 0 ? {
          radius: 6, className: "sk-rt", weight: 1.5, color: "#212121", fillColor: C.levelColors[r[2]], fillOpacity: 1
        } : {
          radius: 2.5, className: "sk-rt", weight: 0.5, color: "#fff", fillColor: "#0b5d2a", fillOpacity: 0.55
        });
        m.feature = {type: "Feature", properties: {kode_kelurahan: r[3], rt: r[4]}};
        m.bindTooltip(rtData.tips[r[5]], {className: "sk-tip"});
        rtLayer.addLayer(m);
      });
    }
    listed(rtLayer, C.names.rt, has);
  }

  // Reports: typed arrays decoded here, clustered by leaflet.markercluster.
  var cluster = null, current = null, generation = 0;
  if (L.markerClusterGroup) {
    cluster = L.markerClusterGroup({
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
      if (current) {
        L.popup({maxWidth: 340}).setLatLng(e.layer.getLatLng()).setContent(current.popupHtml(e.layer._sk)).openOn(map);
      }
    });
    if (SHOW.incidents) cluster.addTo(map);
  }
  var icons = C.severities.map(function (s) {
    return L.divIcon({className: "sk-inc sk-inc-" + s, iconSize: [11, 11]});
  });
  function pad(x, w) { x = String(x); while (x.length < w) x = "0" + x; return x; }
  function decoded(INC) {  // one report set: its columns decoded and its popup
    var n = INC.n, qlat = dec(INC.lat, Uint16Array), qlon = dec(INC.lon, Uint16Array);
    var tm = col(INC.t), kind = dec(INC.kind, Uint8Array), kel = col(INC.kel), rt = col(INC.rt);
    var pre = col(INC.pre), seq = col(INC.seq), ttl = col(INC.ttl), approx = dec(INC.approx, Uint8Array);
    var nS = C.severities.length, nT = C.statuses.length;
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
    function markers() {
      var out = new Array(n);
      var lat0 = INC.box[0], dlat = INC.box[1], lon0 = INC.box[2], dlon = INC.box[3];
      for (var i = 0; i < n; i++) {
        var m = L.marker([lat0 + qlat[i] * dlat, lon0 + qlon[i] * dlon], {
          icon: icons[Math.floor(kind[i] / nT) % nS], keyboard: false
        });
        m._sk = i;
        m.feature = {type: "Feature", properties: {kode_kelurahan: INC.kels[kel[i]][0]}};
        out[i] = m;
      }
      return out;
    }
    return {n: n, popupHtml: popupHtml, markers: markers};
  }
  function drawIncidents(INC) {
    var mine = ++generation;
    if (!cluster) return;
    cluster.clearLayers();
    var has = !!(INC && INC.n > 0);
    listed(cluster, C.names.incidents, has);
    current = has ? decoded(INC) : null;
    window.SiKondusif = {popupHtml: current ? current.popupHtml : null, incidents: current ? current.n : 0,
                         reportLayer: cluster};
    if (!has) return;
    var now = current;
    // Issue 14: one marker per report is the slow part of a large map (30,000 markers). The
    // kelurahan levels are what an official reads first, so above DEFER_ABOVE reports they are
    // painted first and the reports fill the (already listed) cluster layer in the next task.
    // Smaller maps fill at once, so their single report dots visible at the start still carry
    // streamlit-folium's click (a report selects its kelurahan in the panel, as before).
    var fill = function () { if (mine === generation) cluster.addLayers(now.markers()); };
    var DEFER_ABOVE = 5000;
    if (now.n <= DEFER_ABOVE) {
      fill();
    } else if (window.requestAnimationFrame) {
      requestAnimationFrame(function () { setTimeout(fill, 0); });
    } else {
      setTimeout(fill, 0);
    }
  }

  // Legend: level colours, report dots, and what the measure is.
  // Issue 12.8: on a narrow map (a phone) the legend and the layer box start folded.
  var narrow = map.getSize().x < C.narrowPx;
  var legendDiv = null;
  function legendBody() {
    var html = "<b>Tingkat kondusivitas</b><br>";
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
    if (oos) html += "<i style='background:" + C.outOfScope + "'></i>Di luar cakupan<br>";
    html += "<span class='sk-muted'>Titik laporan:</span> ";
    for (var s = 0; s < C.severities.length; s++) {
      html += "<i class='sk-dot' style='background:" + C.severityColors[s] + "'></i>" + esc(C.severityLabels[s]) + " ";
    }
    return html + "<br><span class='sk-muted'>" + esc(C.notice) + "</span>";
  }
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "sk-legend" + (narrow ? " sk-narrow sk-folded" : ""));
    L.DomEvent.disableClickPropagation(div);
    div.innerHTML = "<button type='button' class='sk-legend-toggle' aria-expanded='" + !narrow + "'>Legenda</button>" +
      "<div class='sk-legend-body'>" + legendBody() + "</div>";
    var toggle = div.querySelector(".sk-legend-toggle");
    L.DomEvent.on(toggle, "click", function () {
      var folded = L.DomUtil.hasClass(div, "sk-folded");
      (folded ? L.DomUtil.removeClass : L.DomUtil.addClass)(div, "sk-folded");
      toggle.setAttribute("aria-expanded", String(folded));
    });
    legendDiv = div;
    return div;
  };

  // The view a data set covers: its kelurahan (a scoped Panwascam, a kecamatan filter), else the city.
  function scopeKey() { return Object.keys(KEL).sort().join(","); }
  function fitScope() {
    var box = null;
    kelLayer.eachLayer(function (l) {
      if (!(l.feature.properties.k in KEL)) return;
      var b = l.getBounds ? l.getBounds() : L.latLngBounds([l.getLatLng(), l.getLatLng()]);
      box = box ? box.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    });
    if (!oos || !box) box = kelLayer.getBounds();
    if (box && box.isValid()) map.fitBounds(box);
  }
  var shownScope = scopeKey();

  drawCoverage();
  drawRt(RT);
  drawIncidents(INC);
  legend.addTo(map);
  layersControl = L.control.layers(null, {}, {
    collapsed: C.collapsed || narrow, position: "topright", sortLayers: true,
    sortFunction: function (a, b, na, nb) { return ORDER.indexOf(na) - ORDER.indexOf(nb); }
  });
  layersControl.addTo(map);
  for (var name in overlays) listed(overlays[name], name, true);
  var layersToggle = layersControl.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (layersToggle) {  // Leaflet titles it "Layers"
    layersToggle.title = "Lapisan peta";
    layersToggle.setAttribute("aria-label", "Lapisan peta");
  }

  // New data for the same map (skCityLive): restyle, re-tooltip, redraw RT and reports; the view
  // moves only when the set of kelurahan shown changed (another kecamatan), never for a new period.
  function apply(d) {
    KEL = d.kel || {};
    oos = !!d.oos;
    kelLayer.eachLayer(function (layer) {
      kelLayer.resetStyle(layer);
      if (layer.setTooltipContent) layer.setTooltipContent(kelTip(layer.feature));
    });
    if (selected) selected.setStyle({weight: 3, color: "#000"});
    drawCoverage();
    drawRt(d.rt);
    drawIncidents(d.inc);
    if (legendDiv) legendDiv.querySelector(".sk-legend-body").innerHTML = legendBody();
    var scope = scopeKey();
    if (scope !== shownScope) {
      shownScope = scope;
      map.invalidateSize();
      fitScope();
    }
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
  // A live map fits its first data set itself (the map is built without a view of its own).
  function fitNext() { shownScope = null; }
  return {apply: apply, fitNext: fitNext};
};

/* Issue 29.1: the city map page builds this map once per viewer and keeps it; every rerun writes
   the current data (levels, tooltips, RT, packed reports) into a hidden element of the page
   around the map (same-origin: <div data-sk-peta=...>, kondusif/maps/live.py). This reads it
   when it changes and applies it in place: zoom and position stay, nothing large is re-sent.
   The data are JSON parsed as data (nothing evaluated); every string shown is escaped. */
window.skCityLive = function (api, ATTR) {
  var last = null, pending = false;
  function read() {
    pending = false;
    var el;
    try { el = window.parent.document.querySelector("[" + ATTR + "]"); } catch (e) { return; }
    if (!el) return;
    var raw = el.getAttribute(ATTR);
    if (!raw || raw === last) return;
    last = raw;
    var d;
    try { d = JSON.parse(raw); } catch (e) { if (window.console) console.error(e); return; }
    api.apply(d);
    window.SiKondusifMap = {version: d.v, applied: (window.SiKondusifMap ? window.SiKondusifMap.applied : 0) + 1};
  }
  api.fitNext();
  function soon() {
    if (pending) return;
    pending = true;
    (window.requestAnimationFrame || setTimeout)(read);
  }
  read();
  try {
    new MutationObserver(soon).observe(window.parent.document.body,
      {subtree: true, childList: true, attributes: true, attributeFilter: [ATTR]});
  } catch (e) { /* no access to the page around: the interval below still reads */ }
  setInterval(read, 1000);
};
