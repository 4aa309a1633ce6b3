// SIPAW entry page: entries go to a localStorage queue, sent now or when back online.
(function () {
  var KEY = "sipaw-queue", form = document.getElementById("sipaw-entry");
  var status = document.getElementById("sipaw-status");
  if (!form) return;
  var msgQueued = form.dataset.queued;
  var msgSent = form.dataset.sent;
  var msgRefused = form.dataset.refused;
  function queue() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); }
  function token() { return form.querySelector("[name=csrf_token]").value; }
  function send(batch) {
    return fetch(form.action || location.pathname, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token(), "Accept": "application/json"},
      body: JSON.stringify(batch)});
  }
  var sending = false;  // one batch on the way at a time: "online" and a submit may come together
  function flush() {
    var q = queue(); if (sending) return; if (!q.length || !navigator.onLine) { show(); return; }
    var batch = q[0];
    sending = true;
    send(batch).then(function (r) {
      sending = false;
      if (r.ok) { q.shift(); save(q); status.textContent = msgSent.replace("{n}", batch.entries.length); flush(); }
      else if (r.status >= 400 && r.status < 500) { return r.json().then(function (p) {
        status.textContent = msgRefused + " " + (p.detail || r.status); q.shift(); save(q); }); }
    }).catch(function () { sending = false; show(); });
  }
  function show() { var n = queue().reduce(function (a, b) { return a + b.entries.length; }, 0);
    if (n) status.textContent = msgQueued.replace("{n}", n); }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = new FormData(form), entries = [], stamp = Date.now().toString(36);
    data.getAll("commodity").forEach(function (c) {
      for (var n = 1; n <= 3; n++) {
        var v = (data.get("price-" + c + "-" + n) || "").trim(); if (!v) continue;
        entries.push({commodity: c, price: v, trader: String(n), note: data.get("note-" + c) || "",
          confirmed: data.get("confirm-" + c) === "1", client_ref: stamp + "-" + c + "-" + n});
      }
    });
    if (!entries.length) return;
    var q = queue(); q.push({market: data.get("market"), day: data.get("day"), entries: entries}); save(q);
    form.reset(); flush();
  });
  window.addEventListener("online", flush);
  // Offline at the first visit the worker cannot be fetched: the queue works without it.
  if ("serviceWorker" in navigator) { navigator.serviceWorker.register(form.dataset.worker).catch(function () {}); }
  flush();
})();
