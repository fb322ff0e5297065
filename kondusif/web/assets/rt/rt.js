/* The light RT page (/rt/, issue 26). Plain JS, no library; Leaflet loaded only when the map is opened.
   A report or check-in is first kept in IndexedDB with its idempotency key (handed out by the server,
   signed for this account), then sent; without signal it stays there and is sent when the network
   returns. The server stores the key as the source reference, so a resend never files twice. */
"use strict";
(function () {
  var API = "/rt/api/";
  var PHOTO_MAX = 300 * 1024;
  var WAIT_TEXT = "menunggu sinyal — akan dikirim otomatis";
  var me = null;
  var point = null;
  var sending = false;
  var map = null;
  var marker = null;

  function $(id) { return document.getElementById(id); }
  function show(id, on) { $(id).hidden = !on; }
  function text(id, value) { $(id).textContent = value == null ? "" : String(value); }
  function message(value) { text("pesan", value); show("pesan", !!value); }

  // ---------------------------------------------------------------- IndexedDB outbox
  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("sikondusif-rt", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("kiriman", { keyPath: "kunci" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("kiriman", mode);
        var out = work(t.objectStore("kiriman"));
        t.oncomplete = function () { resolve(out && out.result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function outboxPut(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function outboxDelete(key) { return tx("readwrite", function (s) { return s.delete(key); }); }
  function outboxAll() { return tx("readonly", function (s) { return s.getAll(); }); }

  // ---------------------------------------------------------------- keys
  function keys() {
    try { return JSON.parse(localStorage.getItem("rt_kunci") || "[]"); } catch (e) { return []; }
  }
  function takeKey() {
    var k = keys();
    var key = k.shift();
    localStorage.setItem("rt_kunci", JSON.stringify(k));
    return key;
  }

  // ---------------------------------------------------------------- server
  function loadMe() {
    var q = new URLSearchParams(location.search);
    var args = new URLSearchParams();
    ["masuk", "keluar"].forEach(function (n) { if (q.get(n)) { args.set(n, q.get(n)); } });
    return fetch(API + "saya" + (args.toString() ? "?" + args : ""), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        me = data;
        if (data.masuk && data.kunci) {
          localStorage.setItem("rt_kunci", JSON.stringify(data.kunci));
          localStorage.setItem("rt_saya", JSON.stringify({ tempat: data.tempat, kategori: data.kategori,
            tingkat: data.tingkat, laporan: data.laporan, aman_terakhir: data.aman_terakhir }));
        }
        return data;
      });
  }

  function send(item) {
    var body = new FormData();
    Object.keys(item.fields).forEach(function (n) { body.append(n, item.fields[n]); });
    body.append("kunci", item.kunci);
    body.append("dibuat", String(item.dibuat));
    body.append("dikirim", String(Date.now()));
    if (item.foto) { body.append("foto", item.foto, "foto.jpg"); }
    return fetch(API + (item.jenis === "aman" ? "aman" : "lapor"), {
      method: "POST", credentials: "same-origin", body: body, headers: { "X-CSRF": me && me.csrf || "" }
    }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function flush() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    return outboxAll().then(function (items) {
      if (!items || !items.length) { showQueue(0); return; }
      showQueue(items.length);
      var chain = (me && me.csrf) ? Promise.resolve(me) : loadMe();
      return chain.then(function () {
        return items.reduce(function (p, item) {
          return p.then(function () { return sendOne(item, false); });
        }, Promise.resolve());
      });
    }).catch(function () { /* still offline: kept for the next try */ })
      .then(function () { sending = false; return outboxAll(); })
      .then(function (left) { showQueue(left ? left.length : 0); });
  }

  function sendOne(item, again) {
    return send(item).then(function (res) {
      if (res.status === 401) { me = null; showSignIn(res.data.pesan); throw new Error("masuk"); }
      if (res.status === 403 && !again) {
        // a stale anti-forgery value (PIN changed, new login): fetch a fresh one and try once more
        return loadMe().then(function () { return sendOne(item, true); });
      }
      if (res.status >= 500) { throw new Error("server"); }  // kept: sent again later
      return outboxDelete(item.kunci).then(function () { done(item, res); });
    });
  }

  function done(item, res) {
    var data = res.data || {};
    if (item.jenis === "aman") {
      if (data.ok) { text("aman-terakhir", data.aman_terakhir); remember({ aman_terakhir: data.aman_terakhir }); result(data.pesan, null); }
      else { message(data.pesan); }
      return;
    }
    if (data.ok) {
      result(data.baru ? "Laporan terkirim. Nomor laporan Anda:" : "Laporan Anda sudah tercatat:", data.nomor,
             data.peringatan);
      if (data.laporan) { drawReports(data.laporan); remember({ laporan: data.laporan }); }
      resetForm();
    } else if (data.galat) {
      restoreForm(item);
      showErrors(data.galat);
    } else {
      restoreForm(item);
      message(data.pesan || "Laporan tidak terkirim.");
    }
  }

  function remember(change) {
    var saved = {};
    try { saved = JSON.parse(localStorage.getItem("rt_saya") || "{}") || {}; } catch (e) { saved = {}; }
    Object.keys(change).forEach(function (k) { saved[k] = change[k]; });
    localStorage.setItem("rt_saya", JSON.stringify(saved));
  }

  // ---------------------------------------------------------------- screens
  function showSignIn(note) {
    show("memuat", false); show("utama", false); show("ganti", false); show("masuk", true);
    text("tempat", "");
    message(note || "");
    if (me && me.kunci_gagal) {
      text("catatan-masuk", "Lupa PIN atau akun terkunci? Hubungi operator SiKondusif. Setelah " + me.kunci_gagal +
           " kali gagal, akun dikunci " + me.menit_kunci + " menit.");
    }
  }

  function showMain(data) {
    show("memuat", false); show("masuk", false); show("ganti", false); show("utama", true);
    text("tempat", data.tempat);
    text("aman-terakhir", data.aman_terakhir);
    $("csrf-keluar").value = data.csrf || "";
    fillChoices(data);
    drawReports(data.laporan || []);
  }

  function fillChoices(data) {
    var sel = $("kategori");
    if (sel.options.length <= 1) {
      (data.kategori || []).forEach(function (c) { sel.add(new Option(c.label, c.nilai)); });
    }
    var box = $("tingkat");
    if (!box.children.length) {
      (data.tingkat || []).forEach(function (t) {
        var lab = document.createElement("label");
        var inp = document.createElement("input");
        inp.type = "radio"; inp.name = "tingkat"; inp.value = t.nilai;
        lab.appendChild(inp);
        lab.appendChild(document.createTextNode(t.label));
        box.appendChild(lab);
      });
    }
  }

  function drawReports(list) {
    var ul = $("laporan-saya");
    ul.textContent = "";
    list.forEach(function (r) {
      var li = document.createElement("li");
      var head = document.createElement("div");
      var no = document.createElement("span");
      no.className = "nomor"; no.textContent = r.nomor;
      head.appendChild(no);
      head.appendChild(document.createTextNode(" · " + r.status));
      var sub = document.createElement("div");
      sub.className = "kecil"; sub.textContent = r.waktu + " · " + r.kategori;
      li.appendChild(head); li.appendChild(sub);
      ul.appendChild(li);
    });
    show("laporan-kosong", !list.length);
  }

  function result(lead, number, warnings) {
    var box = $("hasil");
    box.textContent = "";
    box.appendChild(document.createTextNode(lead + " "));
    if (number) { var s = document.createElement("strong"); s.textContent = number; box.appendChild(s); }
    (warnings || []).forEach(function (w) {
      var p = document.createElement("p"); p.className = "kecil"; p.textContent = w; box.appendChild(p);
    });
    show("hasil", true);
    box.scrollIntoView({ block: "center" });
  }

  function showQueue(n) {
    text("antrian", n ? n + " kiriman " + WAIT_TEXT + "." : "");
    show("antrian", n > 0);
  }

  function clearErrors() {
    document.querySelectorAll("[data-galat]").forEach(function (p) { p.textContent = ""; p.hidden = true; });
    message("");
  }

  function showErrors(errors) {
    Object.keys(errors).forEach(function (field) {
      var p = document.querySelector('[data-galat="' + field + '"]') || document.querySelector('[data-galat="row"]');
      p.textContent = (p.textContent ? p.textContent + " " : "") + errors[field].join(" ");
      p.hidden = false;
    });
  }

  // ---------------------------------------------------------------- the report form
  function formFields() {
    var sev = document.querySelector('input[name="tingkat"]:checked');
    var f = { kategori: $("kategori").value, tingkat: sev ? sev.value : "", judul: $("judul").value,
              uraian: $("uraian").value };
    if (point) { f.lat = String(point[0]); f.lon = String(point[1]); }
    return f;
  }

  function restoreForm(item) {
    var f = item.fields;
    $("kategori").value = f.kategori || "";
    document.querySelectorAll('input[name="tingkat"]').forEach(function (r) { r.checked = r.value === f.tingkat; });
    $("judul").value = f.judul || ""; $("uraian").value = f.uraian || "";
  }

  function resetForm() {
    $("form-lapor").reset();
    text("foto-nama", "Belum ada foto.");
    setPoint(null);
  }

  function scalePhoto(file) {
    if (!file) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        URL.revokeObjectURL(url);
        var side = 1600, quality = 0.82;
        function attempt() {
          var scale = Math.min(1, side / Math.max(img.naturalWidth, img.naturalHeight));
          var c = document.createElement("canvas");
          c.width = Math.round(img.naturalWidth * scale); c.height = Math.round(img.naturalHeight * scale);
          c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
          c.toBlob(function (blob) {
            if (blob && blob.size > PHOTO_MAX && side > 320) {
              if (quality > 0.6) { quality -= 0.1; } else { side = Math.round(side * 0.75); }
              attempt();
            } else { resolve(blob); }
          }, "image/jpeg", quality);
        }
        attempt();
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file.size <= PHOTO_MAX ? file : null); };
      img.src = url;
    });
  }

  function queueAndSend(item) {
    return outboxPut(item).then(function () {
      if (!navigator.onLine) { kept(item); return; }
      return flush().then(function () {
        return outboxAll().then(function (left) {
          if (left && left.some(function (i) { return i.kunci === item.kunci; })) { kept(item); }
        });
      });
    });
  }

  // kept in IndexedDB: the form is emptied (it is safe on the phone) so it is not sent twice by hand
  function kept(item) {
    outboxAll().then(function (all) { showQueue(all ? all.length : 1); });
    result("Kiriman disimpan di ponsel,", null, [WAIT_TEXT + "."]);
    if (item.jenis === "lapor") { resetForm(); }
  }

  function noKey() {
    message("Kunci pengiriman habis. Sambungkan ke internet lalu muat ulang halaman.");
  }

  function onReport(ev) {
    ev.preventDefault();
    clearErrors();
    show("hasil", false);
    var key = takeKey();
    if (!key) { noKey(); return; }
    $("kirim").disabled = true;
    var fields = formFields();
    scalePhoto($("foto").files[0]).then(function (photo) {
      return queueAndSend({ kunci: key, jenis: "lapor", fields: fields, foto: photo, dibuat: Date.now() });
    }).then(function () { $("kirim").disabled = false; }, function () { $("kirim").disabled = false; });
  }

  function onCheckin() {
    show("tanya-aman", false); show("tombol-aman", true);
    var key = takeKey();
    if (!key) { noKey(); return; }
    queueAndSend({ kunci: key, jenis: "aman", fields: {}, foto: null, dibuat: Date.now() });
  }

  function onChangePin(ev) {
    ev.preventDefault();
    var body = new FormData($("form-ganti"));
    fetch(API + "pin", { method: "POST", credentials: "same-origin", body: body, headers: { "X-CSRF": me.csrf } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        $("form-ganti").reset();
        if (!data.ok) { message(data.pesan); return; }
        return start(data.pesan);
      });
  }

  // ---------------------------------------------------------------- the point
  function setPoint(p) {
    point = p;
    text("titik-ket", p ? "Titik: " + p[0].toFixed(5) + ", " + p[1].toFixed(5) : "");
    show("hapus-titik", !!p);
    show("titik-peringatan", false);
    if (map) {
      if (marker) { map.removeLayer(marker); marker = null; }
      if (p) { marker = window.L.circleMarker(p, { radius: 9, color: "#b71c1c", fillOpacity: 0.9 }).addTo(map); }
    }
    if (p && navigator.onLine) {
      fetch(API + "titik?lat=" + p[0] + "&lon=" + p[1], { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          if (d.peringatan) { text("titik-peringatan", "Lokasi di luar kelurahan Anda. " + d.peringatan); }
          show("titik-peringatan", !!d.peringatan);
        }).catch(function () {});
    }
  }

  function onGps() {
    if (!navigator.geolocation) { message("Ponsel ini tidak memberi lokasi."); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint([Math.round(pos.coords.latitude * 1e6) / 1e6, Math.round(pos.coords.longitude * 1e6) / 1e6]);
    }, function () { message("Lokasi tidak didapat. Izinkan lokasi, atau tandai di peta."); },
    { enableHighAccuracy: true, timeout: 15000 });
  }

  function loadLeaflet() {
    if (window.L) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet"; css.href = "/app/static/vendor/leaflet/leaflet.css";
      document.head.appendChild(css);
      var s = document.createElement("script");
      s.src = "/app/static/vendor/leaflet/leaflet.js";
      s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function onMap() {
    show("peta", true);
    if (map) { return; }
    Promise.all([loadLeaflet(), fetch(API + "batas", { credentials: "same-origin" }).then(function (r) { return r.json(); })])
      .then(function (got) {
        var L = window.L, info = got[1];
        map = L.map("peta").setView([-3.29, 102.87], 12);
        if (info.ubin) { L.tileLayer(info.ubin, { attribution: info.atribusi, maxZoom: 19 }).addTo(map); }
        if (info.batas) {
          var shape = L.geoJSON(info.batas, { style: { color: "#b71c1c", weight: 2, fillOpacity: 0.08 } }).addTo(map);
          map.fitBounds(shape.getBounds());
        }
        map.on("click", function (e) {
          setPoint([Math.round(e.latlng.lat * 1e6) / 1e6, Math.round(e.latlng.lng * 1e6) / 1e6]);
        });
        if (point) { setPoint(point); }
      }).catch(function () { show("peta", false); message("Peta tidak dapat dimuat tanpa sinyal. Pakai lokasi saya."); });
  }

  // ---------------------------------------------------------------- start
  function start(note) {
    return loadMe().then(function (data) {
      if (!data.masuk) { showSignIn(data.pesan); return; }
      if (data.bukan_rt) { showSignIn(data.pesan); return; }
      if (data.ganti_pin) {
        show("memuat", false); show("masuk", false); show("utama", false); show("ganti", true);
        text("aturan-pin", data.aturan_pin);
        return;
      }
      showMain(data);
      message(data.pesan || "");
      if (note) { result(note, null); }
      if (location.search) { history.replaceState(null, "", "/rt/"); }
      return flush();
    }, function () {
      // offline: the page from the service worker, the last known data from this phone
      var saved = null;
      try { saved = JSON.parse(localStorage.getItem("rt_saya") || "null"); } catch (e) { saved = null; }
      if (saved) { showMain(saved); message("Tidak ada sinyal. Laporan disimpan di ponsel dan dikirim otomatis."); }
      else { showSignIn("Tidak ada sinyal. Sambungkan ke internet untuk masuk pertama kali."); }
      return flush();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("form-lapor").addEventListener("submit", onReport);
    $("form-ganti").addEventListener("submit", onChangePin);
    // Enter in "Judul singkat" moves on; it never sends the report (issue 26 item 5).
    $("judul").addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); $("uraian").focus(); }
    });
    $("tombol-aman").addEventListener("click", function () { show("tanya-aman", true); show("tombol-aman", false); });
    $("batal-aman").addEventListener("click", function () { show("tanya-aman", false); show("tombol-aman", true); });
    $("ya-aman").addEventListener("click", onCheckin);
    $("tombol-gps").addEventListener("click", onGps);
    $("tombol-peta").addEventListener("click", onMap);
    $("hapus-titik").addEventListener("click", function () { setPoint(null); });
    window.addEventListener("online", function () { message(""); start(); });
    $("foto").addEventListener("change", function () {
      var f = $("foto").files[0];
      text("foto-nama", f ? "Foto: " + f.name : "Belum ada foto.");
    });
    setInterval(function () { if (navigator.onLine) { flush(); } }, 5000);
    if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/rt/sw.js", { scope: "/rt/" }); }
    start();
  });
})();
