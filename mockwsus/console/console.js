// The mockwsus console's only script. The pages work without it; it keeps
// the admin token for this tab (sessionStorage, sent as a header, never in a
// URL) and keeps the counts and the journal's tail live by polling
// /console/live. It writes text only (textContent), never HTML.
(function () {
  "use strict";
  var KEY = "mockwsus.adminToken";
  var POLL_MS = 2000;
  var TAIL = 20;

  function stored() {
    try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }
  function store(v) {
    try {
      if (v) { sessionStorage.setItem(KEY, v); } else { sessionStorage.removeItem(KEY); }
    } catch (e) { /* storage disabled: the session cookie still works */ }
  }

  var login = document.querySelector("form[data-login]");
  if (login) {
    var input = login.querySelector("input[name=token]");
    login.addEventListener("submit", function () { store(input.value); });
    if (login.hasAttribute("data-failed")) {
      store("");
    } else if (stored()) {
      // This tab knows the token but the server forgot the session (it
      // restarted): sign in again without asking.
      input.value = stored();
      store(input.value);
      login.submit();
    }
    return;
  }
  var logout = document.querySelector("form[data-logout]");
  if (logout) {
    logout.addEventListener("submit", function () { store(""); });
  }

  var live = document.querySelectorAll("[data-live]");
  var journal = document.getElementById("journal");
  if (live.length === 0 && !journal) {
    return;
  }
  var after = journal ? journal.getAttribute("data-last-seq") : "0";
  var drawn = {};
  live.forEach(function (el) { drawn[el.getAttribute("data-live")] = el.textContent; });
  var hint = document.querySelector("[data-live-hint]");
  var state = document.getElementById("live-state");

  function show(text) {
    if (state) { state.hidden = false; state.textContent = text; }
  }

  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function addEntries(entries) {
    if (!journal || !entries || entries.length === 0) {
      return;
    }
    var body = journal.tBodies[0];
    entries.forEach(function (e) {
      var tr = document.createElement("tr");
      tr.className = "out-" + e.outcome + (e.kind ? " kind-" + e.kind : "");
      cell(tr, String(e.seq));
      cell(tr, e.time);
      cell(tr, e.computer);
      cell(tr, e.operation);
      cell(tr, e.outcome);
      cell(tr, String(e.status));
      cell(tr, e.errorCode);
      var td = cell(tr, "");
      if (e.faultId) {
        var a = document.createElement("a");
        a.className = "fault";
        a.href = "/console/faults/" + encodeURIComponent(e.faultId);
        a.textContent = e.faultId;
        td.appendChild(a);
      }
      cell(tr, e.detail).className = "detail";
      body.insertBefore(tr, body.firstChild);
    });
    while (body.rows.length > TAIL) {
      body.deleteRow(body.rows.length - 1);
    }
  }

  function update(d) {
    var values = {
      succeeded: d.counts.succeeded, failed: d.counts.failed, neverSynced: d.counts.neverSynced,
      total: d.counts.total, version: d.version, dllVersion: d.dllVersion, inconsistent: d.inconsistent
    };
    var changed = false;
    live.forEach(function (el) {
      var k = el.getAttribute("data-live");
      if (!(k in values)) { return; }
      var v = String(values[k]);
      el.textContent = v;
      if (k === "inconsistent") {
        el.className = v === "0" ? "good" : "bad";
      }
      if (drawn[k] !== v) { changed = true; }
    });
    if (hint) { hint.hidden = !changed; }
    addEntries(d.entries);
    after = String(d.lastSeq);
    show("live");
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    var t = stored();
    if (t) { headers.Authorization = "Bearer " + t; }
    fetch("/console/live?after=" + encodeURIComponent(after), { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { throw new Error("the admin token is needed again: reload the page"); }
        if (!r.ok) { throw new Error("the server answered " + r.status); }
        return r.json();
      })
      .then(update)
      .catch(function (err) { show("not live: " + err.message); })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }
  poll();
})();
