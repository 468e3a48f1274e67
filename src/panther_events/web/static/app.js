// panther-events dashboard: live updates over Server-Sent Events. No inline scripts (the
// Content-Security-Policy forbids them) and no innerHTML from event data: event text is set
// with textContent; only the server's own escaped fragments (a run's overview, the runs table)
// are swapped in.
"use strict";

(function () {
  const body = document.body;
  const liveUrl = body.dataset.liveUrl;
  if (!liveUrl) return;
  const overviewUrl = body.dataset.overviewUrl;
  const rows = document.getElementById("event-rows");
  const conn = document.getElementById("conn");
  const pageSize = 100;
  let source = null;
  let overviewPending = false;
  let lastOverview = 0;
  let lastId = null;

  function setField(name, value) {
    for (const el of document.querySelectorAll('[data-field="' + name + '"]')) {
      el.textContent = String(value);
    }
  }

  // While a run is going, its elapsed time ticks every second (the stream only speaks when
  // events arrive); once it ends, the header shows its first-to-last-event duration. A run
  // silent for 5 minutes was probably interrupted: its clock stops.
  let running = null;
  function tick() {
    if (!running) return;
    const seconds = Math.max(0, (Date.now() - Date.parse(running)) / 1000);
    const m = Math.floor(seconds / 60);
    setField("elapsed", m ? m + "m" + String(Math.floor(seconds % 60)).padStart(2, "0") + "s"
      : seconds.toFixed(1) + " s");
  }
  setInterval(tick, 1000);

  function updateHeader(h) {
    const recent = h.last_time && Date.now() - Date.parse(h.last_time) < 300000;
    running = h.status === "running" && recent ? h.first_time : null;
    const status = document.querySelector('[data-field="status"]');
    if (status) {
      status.textContent = h.status.replace("_", " ");
      status.className = "badge status-" + h.status;
    }
    setField("passed", h.passed);
    setField("failed", h.failed);
    setField("total", h.total);
    setField("events", h.events);
    setField("elapsed", h.elapsed);
    tick();
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    return td;
  }

  function addEvents(events) {
    if (!rows || !rows.dataset.live) return;
    const none = rows.querySelector("tr.none");
    if (none && events.length) none.remove();
    for (const e of events) {
      const tr = document.createElement("tr");
      tr.className = "new";
      tr.appendChild(cell(String(e.seq), "num"));
      tr.appendChild(cell(e.time, "mono"));
      tr.appendChild(cell(e.type, "mono type"));
      const entity = cell("", "mono");
      const link = document.createElement("a");
      link.href = e.entity_href;
      link.title = e.entity_id;
      link.textContent = e.entity_label;
      entity.appendChild(link);
      tr.appendChild(entity);
      tr.appendChild(cell(e.data, "mono data"));
      rows.insertBefore(tr, rows.firstChild);
    }
    while (rows.children.length > pageSize) rows.removeChild(rows.lastChild);
  }

  function refreshOverview() {
    // At most one fetch a second, however fast lifecycle events arrive.
    if (overviewPending || !overviewUrl) return;
    overviewPending = true;
    const wait = Math.max(0, 1000 - (Date.now() - lastOverview));
    setTimeout(function () {
      fetch(overviewUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          const target = document.getElementById("overview");
          if (html !== null && target) target.innerHTML = html;  // server-escaped fragment
        })
        .catch(function () {})
        .finally(function () { overviewPending = false; lastOverview = Date.now(); });
    }, wait);
  }

  function connect() {
    // A fresh EventSource forgets Last-Event-ID: resume from the last position seen.
    const url = lastId === null ? liveUrl : liveUrl.replace(/after=\d*/, "after=" + lastId);
    source = new EventSource(url);
    source.addEventListener("open", function () {
      // Back after a drop: what changed meanwhile is fetched again.
      if (conn && !conn.hidden) refreshOverview();
      if (conn) conn.hidden = true;
    });
    source.addEventListener("update", function (msg) {
      if (msg.lastEventId) lastId = msg.lastEventId;
      const payload = JSON.parse(msg.data);
      if (payload.header) updateHeader(payload.header);
      if (payload.events && payload.events.length) addEvents(payload.events);
      if (payload.lifecycle) refreshOverview();
      body.dataset.liveSeen = String(Number(body.dataset.liveSeen || 0) + 1);
    });
    source.addEventListener("error", function () {
      if (conn) conn.hidden = false;
      // The browser retries by itself; when it gives up (the server answered with an
      // error while restarting), start again after a second.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, 1000);
      }
    });
  }

  connect();
})();
