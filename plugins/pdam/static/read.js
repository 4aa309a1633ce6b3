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
  function show() {
    countEl.textContent = String(load().length);
    netEl.textContent = navigator.onLine ? "online" : labels.labelOffline;
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
          save(load().slice(1));
          note(item.customer_number + " " + item.period + ": " + body.consumption + " m3 (" + body.status + ")");
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
    var queue = load();
    queue.push(item);
    save(queue);
    form.querySelector("input[name=customer_number]").value = "";
    form.querySelector("input[name=value]").value = "";
    form.querySelector("input[name=customer_number]").focus();
    flush();
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  setInterval(flush, 15000);
  flush();
})();
