// SIPAW entry page: keep the page available offline (network first, cache as fallback).
var CACHE = "sipaw-entry-v1";
self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET" || new URL(req.url).pathname.indexOf("/sipaw/entry") !== 0) return;
  event.respondWith(fetch(req).then(function (res) {
    var copy = res.clone();
    caches.open(CACHE).then(function (c) { c.put(req, copy); });
    return res;
  }).catch(function () { return caches.match(req); }));
});
