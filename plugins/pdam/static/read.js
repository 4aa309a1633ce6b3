// The meter reader's page: readings are queued in localStorage and posted when online.
(function () {
  "use strict";
  var KEY = "pdam-readings-queue";
  var form = document.getElementById("pdam-read-form");
  if (!form) { return; }
  var countEl = document.getElementById("pdam-queue-count");
  var netEl = document.getElementById("pdam-net");
  var log = document.getElementById("pdam-log");
  var labels = document.getElementById("pdam-queue").dataset;
  var token = form.querySelector("input[name=csrf_token]").value;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); show(); }
  // The route: stops read on the server, or waiting in the queue, are marked;
  // the first stop left is filled in, so that the reader walks it in order.
  var route = document.getElementById("pdam-route");
  var numberInput = form.querySelector("input[name=customer_number]");
  function walk() {
    if (!route) { return; }
    var queued = {};
    load().forEach(function (item) { queued[item.customer_number] = true; });
    var next = null, left = 0;
    Array.prototype.forEach.call(route.children, function (li) {
      var number = li.dataset.number, badge = li.querySelector(".badge");
      var done = li.dataset.status !== "" || li.dataset.sent === "1";
      badge.textContent = done ? route.dataset.labelDone : (queued[number] ? route.dataset.labelQueued : "");
      if (!done && !queued[number]) {
        left += 1;
        if (!next) { next = number; }
      }
    });
    document.getElementById("pdam-route-left").textContent = "(" + left + " " + route.dataset.labelLeft + ")";
    if (next && !numberInput.value) { numberInput.value = next; }
  }
  function sent(number) {
    if (!route) { return; }
    Array.prototype.forEach.call(route.children, function (li) {
      if (li.dataset.number === number) { li.dataset.sent = "1"; }
    });
  }
  if (route) {
    route.addEventListener("click", function (event) {
      var li = event.target.closest("li");
      if (li && event.target.tagName === "BUTTON") { numberInput.value = li.dataset.number; numberInput.focus(); }
    });
  }
  function show() {
    countEl.textContent = String(load().length);
    netEl.textContent = navigator.onLine ? labels.labelOnline : labels.labelOffline;
    walk();
  }
  function note(text) {
    var li = document.createElement("li");
    li.textContent = text;
    log.insertBefore(li, log.firstChild);
  }
  var sending = false;
  function flush() {
    var queue = load();
    if (sending || !queue.length || !navigator.onLine) { show(); return; }
    sending = true;
    var item = queue[0];
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(item)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        sending = false;
        if (response.ok) {
          sent(item.customer_number);
          save(load().slice(1));
          note(item.customer_number + " " + item.period + ": " + body.consumption + " m3 (" + (body.status_label || body.status) + ")");
          flush();
        } else if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 429) {
          save(load().slice(1));  // refused: show why, do not retry forever
          note(item.customer_number + " " + item.period + ": " + (body.detail || body.title || response.status));
          flush();
        } else {
          show();
        }
      });
    }).catch(function () { sending = false; show(); });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var item = {
      customer_number: String(data.get("customer_number") || "").trim(),
      period: String(data.get("period") || "").trim(),
      value: String(data.get("value") || "").trim(),
      condition: String(data.get("condition") || "working"),
      rollover: data.get("rollover") ? "1" : ""
    };
    var photoInput = form.querySelector("input[name=photo]");
    var file = photoInput && photoInput.files && photoInput.files[0];
    if (file && file.size > Number(photoInput.dataset.queueLimit)) {
      note(item.customer_number + " " + item.period + ": " + photoInput.dataset.labelSkipped);
      file = null;
    }
    if (file) {
      var reader = new FileReader();
      reader.onload = function () { item.photo = String(reader.result); queueItem(item); };
      reader.onerror = function () { queueItem(item); };
      reader.readAsDataURL(file);
    } else {
      queueItem(item);
    }
    if (photoInput) { photoInput.value = ""; }
  });
  function queueItem(item) {
    var queue = load();
    queue.push(item);
    try {
      save(queue);
    } catch (e) {  // storage full: keep the reading, drop its photo
      delete item.photo;
      queue[queue.length - 1] = item;
      save(queue);
      note(item.customer_number + " " + item.period + ": " + form.querySelector("input[name=photo]").dataset.labelSkipped);
    }
    numberInput.value = "";
    form.querySelector("input[name=value]").value = "";
    walk();  // the next stop of the route, if any
    form.querySelector("input[name=value]").focus();
    flush();
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  setInterval(flush, 15000);
  flush();
})();
