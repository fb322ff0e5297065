/* SiKondusif wall display map (kondusif/wall_map.py): keeps the map's data current
   without rebuilding it. Read from disk once and inlined into the map's own iframe
   (streamlit-folium), whose CSP allows inline scripts only: nothing is evaluated from data.
   - reads the data from the hidden element ATTR of the page around it (same-origin),
   - restyles the kelurahan (COLORS by level index), rewrites their tooltips, redraws the
     report dots (SEV by severity) and flashes what is new for SECONDS from its arrival. */
window.skWallLive = function (map, COLORS, SEV, ATTR, SECONDS, NO_NEWS) {
  var kelGroup = null;
  map.eachLayer(function (l) {
    if (l instanceof L.GeoJSON && l.options && l.options.className === "sk-kel") kelGroup = l;
  });
  var KEL = {}, until = {}, last = null, fitted = false;
  // Report dots in a pane of their own above the kelurahan (a flashing kelurahan brought to the
  // front never covers them); within it, dots are added in the server's order (ringan, sedang,
  // berat; oldest first), so the most severe and newest at one place is on top (issue 30.8).
  var pane = map.getPane("skWallDots") || map.createPane("skWallDots");
  pane.style.zIndex = 450;
  var dots = L.layerGroup().addTo(map), renderer = L.svg({pane: "skWallDots"});
  function style(f) {
    var p = KEL[f.properties.k];
    if (!p) return {fillColor: "#bdbdbd", fillOpacity: 0.25, color: "#4a4a4a", weight: 1, opacity: 0.9};
    // Tidak ada kabar (issue 24): the hatch pattern city_layers.js puts in the map's SVG
    var fill = p[0] === NO_NEWS ? "url(#sk-hatch)" : COLORS[p[0]];
    return {fillColor: fill, fillOpacity: p[0] === NO_NEWS ? 0.9 : 0.6, color: "#4a4a4a", weight: 1.2, opacity: 0.9};
  }
  function flash(path, key, on) {  // the minute runs here, from when the flag first arrived
    if (!path) return;
    if (!on) { delete until[key]; path.classList.remove("sk-wall-flash"); return; }
    if (!(key in until)) until[key] = Date.now() + SECONDS * 1000;
    if (until[key] > Date.now()) path.classList.add("sk-wall-flash"); else path.classList.remove("sk-wall-flash");
  }
  var touched = false;  // the room moved the map: never fit it again
  L.DomEvent.on(map.getContainer(), "mousedown wheel touchstart keydown", function () { touched = true; });
  function fitCity() {  // the viewer's kelurahan fill the screen (once, at the start)
    if (touched || !kelGroup) return;
    var box = null;
    kelGroup.eachLayer(function (l) {
      if (!KEL[l.feature.properties.k] || !l.getBounds) return;
      box = box ? box.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
    });
    map.invalidateSize();
    if (box) map.fitBounds(box, {padding: [6, 6]});
  }
  function apply(d) {
    KEL = d.kel || {};
    if (!fitted) {  // fit again once the iframe has its final size, unless the view was changed meanwhile
      fitted = true;
      fitCity();
      var first = map.getCenter().toString() + map.getZoom();
      setTimeout(function () { if (map.getCenter().toString() + map.getZoom() === first) fitCity(); }, 700);
    }
    if (kelGroup) {
      kelGroup.options.style = style;
      kelGroup.eachLayer(function (layer) {
        var k = layer.feature.properties.k, p = KEL[k];
        kelGroup.resetStyle(layer);
        if (p && layer.setTooltipContent) layer.setTooltipContent(p[1]);
        flash(layer._path, "kel:" + k, p && p[2]);
        if (p && p[2] && layer.bringToFront) layer.bringToFront();
      });
    }
    dots.clearLayers();
    (d.inc || []).forEach(function (r) {
      var m = L.circleMarker([r[0], r[1]], {
        radius: r[4] ? 11 : (r[2] === "berat" ? 7 : 5), className: "sk-wall-inc", weight: 1.5,
        color: "#fff", fillColor: SEV[r[2]] || "#111", fillOpacity: 0.95, interactive: false,
        pane: "skWallDots", renderer: renderer
      }).addTo(dots);
      if (m._path) {
        m._path.setAttribute("data-no", r[3]);
        m._path.setAttribute("data-sev", r[2]);
        flash(m._path, "lap:" + r[3], r[4]);
      }
    });
    window.SiKondusifWall = {version: d.v, applied: (window.SiKondusifWall ? window.SiKondusifWall.applied : 0) + 1};
  }
  function read() {
    var el;
    try { el = window.parent.document.querySelector("[" + ATTR + "]"); } catch (e) { return; }
    if (!el) return;
    var raw = el.getAttribute(ATTR);
    if (!raw || raw === last) return;
    last = raw;
    try { apply(JSON.parse(raw)); } catch (e) { if (window.console) console.error(e); }
  }
  function expire() {
    var now = Date.now();
    document.querySelectorAll("path.sk-wall-flash").forEach(function (p) {
      var key = p.getAttribute("data-no") ? "lap:" + p.getAttribute("data-no") : "kel:" + p.getAttribute("data-kode");
      if (!(until[key] > now)) p.classList.remove("sk-wall-flash");  // its minute is over
    });
  }
  read();
  setInterval(function () { read(); expire(); }, 1000);
};
