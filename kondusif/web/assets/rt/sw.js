/* Service worker of the RT page: keeps the page shell so /rt/ opens without signal.
   The shell is answered from the cache at once and refreshed in the background; the
   API (/rt/api/...) always goes to the network (the page keeps unsent reports in IndexedDB). */
"use strict";
var CACHE = "sikondusif-rt-v1";
var SHELL = ["/rt/", "/rt/rt.css", "/rt/rt.js", "/rt/manifest.webmanifest", "/rt/ikon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var path = url.pathname;
  var shell = path === "/rt/" ? "/rt/" : (SHELL.indexOf(path) >= 0 ? path : null);
  if (!shell && path.indexOf("/app/static/vendor/leaflet/") !== 0) { return; }
  var key = shell || path;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(key).then(function (hit) {
      var fresh = fetch(event.request).then(function (res) {
        if (res.ok) { cache.put(key, res.clone()); }
        return res;
      });
      if (hit) { fresh.catch(function () {}); return hit; }
      return fresh;
    });
  }));
});
