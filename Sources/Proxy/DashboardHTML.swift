/// The dashboard's page in parts (DashboardPage puts them together at load, with `var API = "…";` before the
/// script): markup, style and script, no external asset. The script polls `API/9/http/upstreams` every second,
/// keeps one table row per server and updates its cells in place (rates are the counters' deltas between two
/// polls), learns whether the API is writable by a PATCH that can change nothing (a server id no upstream
/// has: 404 when writes are on, 405 when off), and sends nginx Plus's `{"drain":true}` / `{"down":false}`.
/// Under 760 px the rows become cards. The browser test is Tests/ProxyTests/DashboardBrowserTests.swift.
enum DashboardHTML {
    static let head = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>switchyard</title>

"""#

    static let style = #"""

:root{--bg:#f5f6f8;--fg:#1d2430;--muted:#5f6b7a;--card:#fff;--line:#e2e5ea;--up:#1a7f37;--drain:#9a5800;
--down:#6e7781;--bad:#cf222e;--check:#0969da;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0e1116;--fg:#e6edf3;--muted:#8b949e;--card:#161b22;--line:#30363d;
--up:#3fb950;--drain:#d29922;--down:#8b949e;--bad:#f85149;--check:#58a6ff;--accent:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1.5rem;padding:.7rem 1rem;background:var(--card);
border-bottom:1px solid var(--line);position:sticky;top:0;z-index:1}
h1{font-size:1.1rem;margin:0}
h2{font-size:1rem;margin:0}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.muted{color:var(--muted)}
#status::before{content:"";display:inline-block;width:.55rem;height:.55rem;border-radius:50%;margin-right:.4rem;
background:var(--down)}
#status.live::before{background:var(--up)}
#status.error{color:var(--bad)}
#status.error::before{background:var(--bad)}
main{padding:1rem;max-width:1440px;margin:0 auto}
#notice{background:var(--card);border:1px solid var(--bad);color:var(--bad);border-radius:8px;padding:.5rem 1rem;
margin:0 0 1rem}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:0 0 1rem;overflow:hidden}
.uphead{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1.25rem;padding:.7rem 1rem;
border-bottom:1px solid var(--line)}
.figs{display:flex;flex-wrap:wrap;gap:.15rem 1.1rem;color:var(--muted)}
.figs b{color:var(--fg);font-weight:600;font-variant-numeric:tabular-nums}
table{width:100%;border-collapse:collapse}
th,td{padding:.45rem .7rem;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-size:.72rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:last-child td{border-bottom:0}
td.server{font-weight:600}
td.server small{font-weight:400;color:var(--muted);margin-left:.4rem}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.78rem;font-weight:600;color:#fff;
background:var(--down)}
.badge.up{background:var(--up)}
.badge.draining{background:var(--drain)}
.badge.unavail,.badge.unhealthy{background:var(--bad)}
.badge.checking{background:var(--check)}
.ok{color:var(--up)}
.warn{color:var(--drain)}
.bad{color:var(--bad)}
button{font:inherit;font-weight:600;padding:.2rem .8rem;min-width:6rem;border-radius:6px;cursor:pointer;
border:1px solid var(--accent);color:var(--accent);background:transparent}
button.drain{border-color:var(--drain);color:var(--drain)}
button:disabled{opacity:.5;cursor:progress}
th.action,td.action{display:none;text-align:right}
body.writable th.action,body.writable td.action{display:table-cell}
@media (max-width:760px){
main{padding:.6rem}
thead{display:none}
table,tbody,tr,td{display:block;width:100%}
tbody tr{display:grid;grid-template-columns:1fr 1fr;border-bottom:1px solid var(--line);padding:.35rem 0}
tbody tr:last-child{border-bottom:0}
td,tbody tr:last-child td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.15rem 1rem;
white-space:normal;text-align:right}
td::before{content:attr(data-label);color:var(--muted);text-align:left}
td.server{font-size:1rem;flex-wrap:wrap;gap:0 1rem}
td.server,td.drain,td.health,td.action{grid-column:1/-1}
td.server::before{content:none}
td.server small{margin-left:0}
td.num{text-align:right}
body.writable td.action{display:flex;justify-content:flex-end;padding-top:.4rem}
td.action::before{content:none}
button{min-height:2.5rem;min-width:8rem}
}

"""#

    static let body = #"""
<body>
<header>
<h1>switchyard</h1>
<span id="status">connecting</span>
<span id="mode" class="muted">API access: checking</span>
<span class="muted">API <code id="api"></code></span>
</header>
<main>
<div id="notice" role="alert" hidden></div>
<div id="upstreams"></div>
<p id="empty" class="muted" hidden>The API lists no upstreams.</p>
</main>

"""#

    static let script = #"""
(function () {
  var BASE = API.replace(/\/+$/, "") + "/9/http/upstreams";
  var PERIOD = 1000;
  var COLUMNS = [
    ["server", "Server"], ["state", "State"], ["active", "Active", "num"], ["rate", "Req/s", "num"],
    ["requests", "Requests", "num"], ["errors", "4xx / 5xx", "num"], ["fails", "Fails", "num"],
    ["sessions", "Sessions", "num"], ["drain", "Drain"], ["health", "Health"], ["action", "", "action"]
  ];
  var MODES = {
    on: "API access: read-write", password: "API access: read-write (with a password)",
    off: "API access: read-only", forbidden: "API access: read-only (writes forbidden here)",
    unknown: "API access: checking"
  };
  var views = {};          // upstream name -> {section, figs, tbody, rows: {id: row}}
  var last = null;         // the previous poll: {t, requests: {key: n}, picks: {name: {...}}}
  var write = "unknown";
  var probing = false, polling = null, again = false, timer = 0;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function put(e, text) { text = String(text); if (e.textContent !== text) e.textContent = text; }
  function num(n) { return typeof n === "number" ? n.toLocaleString("en-US") : "–"; }
  function rate(n) { return n == null ? "–" : n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString("en-US"); }
  function pct(part, whole) { return whole > 0 ? Math.round(100 * part / whole) + "%" : "–"; }
  function per(now, before, dt) {
    return typeof now !== "number" || typeof before !== "number" || now < before || !(dt > 0) ? null : (now - before) / dt;
  }

  function status(text, cls) { var s = $("status"); put(s, text); s.className = cls; }
  function notice(text) { var n = $("notice"); put(n, text); n.hidden = !text; }
  function setWrite(mode) {
    write = mode;
    put($("mode"), MODES[mode]);
    document.body.classList.toggle("writable", mode === "on" || mode === "password");
  }

  // One poll at a time; a refresh asked for during one runs right after it.
  function refresh() {
    if (polling) { again = true; return polling; }
    clearTimeout(timer);
    polling = fetch(BASE, {cache: "no-store", headers: {Accept: "application/json"}})
      .then(function (r) {
        if (!r.ok) throw new Error("GET " + BASE + " answered " + r.status);
        return r.json();
      })
      .then(function (data) {
        render(data);
        probe(data);
        status("live · updated " + new Date().toLocaleTimeString("en-GB"), "live");
      })
      .catch(function (e) { status("no data: " + e.message, "error"); })
      .then(function () {
        polling = null;
        if (again) { again = false; return refresh(); }
        timer = setTimeout(refresh, PERIOD);
      });
    return polling;
  }

  // Whether writes are allowed, by a PATCH that can change nothing: a server id no upstream has. Without
  // credentials, so a password-protected API does not ask for one before a button is pressed.
  function probe(data) {
    var name = Object.keys(data)[0];
    if (write !== "unknown" || probing || name === undefined) return;
    probing = true;
    fetch(BASE + "/" + encodeURIComponent(name) + "/servers/2147483647", {
      method: "PATCH", credentials: "omit", cache: "no-store",
      headers: {"Content-Type": "application/json"}, body: "{}"
    }).then(function (r) {
      var s = r.status;
      setWrite(s === 405 ? "off" : s === 401 ? "password" : s === 403 ? "forbidden" : s === 404 || s === 400 ? "on" : "unknown");
    }, function () {}).then(function () { probing = false; });
  }

  function build(name) {
    var v = {rows: {}};
    v.section = el("section");
    v.section.dataset.upstream = name;
    var head = el("div", "uphead");
    head.appendChild(el("h2", null, name));
    v.figs = el("div", "figs");
    head.appendChild(v.figs);
    v.section.appendChild(head);
    var table = el("table"), tr = el("tr");
    COLUMNS.forEach(function (c) { tr.appendChild(el("th", c[2] || null, c[1])); });
    table.appendChild(el("thead")).appendChild(tr);
    v.tbody = table.appendChild(el("tbody"));
    v.section.appendChild(table);
    return v;
  }

  function figures(v, items) {
    var html = v.figs;
    while (html.children.length > items.length) html.lastChild.remove();
    items.forEach(function (item, i) {
      var span = html.children[i];
      if (!span) { span = html.appendChild(el("span")); span.appendChild(document.createTextNode("")); span.appendChild(el("b")); }
      put(span.firstChild, item[0] + " ");
      put(span.lastChild, item[1]);
      span.title = item[2] || "";
    });
  }

  function row(v, name, peer) {
    var r = v.rows[peer.id];
    if (r) return r;
    r = {tr: el("tr"), cells: {}};
    COLUMNS.forEach(function (c) {
      var td = el("td", c[2] === "num" ? "num" : c[0]);
      td.dataset.label = c[1];
      r.cells[c[0]] = r.tr.appendChild(td);
    });
    r.name = r.cells.server.appendChild(el("span"));
    r.note = r.cells.server.appendChild(el("small"));
    r.badge = r.cells.state.appendChild(el("span", "badge"));
    r.button = r.cells.action.appendChild(el("button"));
    r.button.type = "button";
    r.button.dataset.upstream = name;
    r.button.dataset.id = peer.id;
    r.button.addEventListener("click", function () { act(name, peer.id, r); });
    v.rows[peer.id] = r;
    return r;
  }

  function action(peer) {
    if (peer.drain) return ["undrain", "Undrain", {down: false}];
    if (peer.down) return ["up", "Bring up", {down: false}];
    return ["drain", "Drain", {drain: true}];
  }

  function health(peer) {
    var h = peer.health_checks;
    if (!h || !h.checks) return ["no checks", "muted"];
    var failing = h.last_passed === false || peer.state === "unhealthy";
    return [(failing ? "failing" : "passing") + " · " + h.fails + "/" + h.checks + " failed", failing ? "bad" : "ok"];
  }

  function render(data) {
    var now = performance.now() / 1000, dt = last ? now - last.t : 0;
    var next = {t: now, requests: {}, picks: {}};
    var list = $("upstreams"), names = Object.keys(data);
    names.forEach(function (name, i) {
      var up = data[name], v = views[name] || (views[name] = build(name));
      if (list.children[i] !== v.section) list.insertBefore(v.section, list.children[i] || null);
      var peers = up.peers || [], seen = {}, active = 0, reqRate = 0, rated = false, sessions = 0;
      peers.forEach(function (peer, j) {
        var key = name + "/" + peer.id, r = row(v, name, peer);
        seen[peer.id] = true;
        if (v.tbody.children[j] !== r.tr) v.tbody.insertBefore(r.tr, v.tbody.children[j] || null);
        next.requests[key] = peer.requests;
        var rps = per(peer.requests, last && last.requests[key], dt);
        if (rps != null) { reqRate += rps; rated = true; }
        active += peer.active || 0;
        sessions += peer.sessions || 0;
        r.tr.dataset.state = peer.state;
        r.tr.dataset.id = peer.id;
        put(r.name, peer.server);
        put(r.note, [peer.route ? "route " + peer.route : "", peer.backup ? "backup" : "", "weight " + peer.weight]
          .filter(Boolean).join(" · "));
        put(r.badge, peer.state);
        r.badge.className = "badge " + peer.state;
        put(r.cells.active, num(peer.active));
        put(r.cells.rate, rate(rps));
        put(r.cells.requests, num(peer.requests));
        var res = peer.responses || {};
        put(r.cells.errors, num(res["4xx"]) + " / " + num(res["5xx"]));
        put(r.cells.fails, num(peer.fails) + (peer.unavail ? " (" + peer.unavail + "× unavailable)" : ""));
        put(r.cells.sessions, num(peer.sessions));
        var drain = peer.drain ? (peer.drained ? ["drained", "ok"] : ["draining · " + num(peer.sessions) + " left", "warn"])
          : ["–", "muted"];
        put(r.cells.drain, drain[0]);
        r.cells.drain.className = "drain " + drain[1];
        var h = health(peer);
        put(r.cells.health, h[0]);
        r.cells.health.className = "health " + h[1];
        var a = action(peer);
        if (!r.pending) {
          put(r.button, a[1]);
          r.button.className = a[0];
          r.button.dataset.action = a[0];
          r.body = a[2];
        }
      });
      Object.keys(v.rows).forEach(function (id) {
        if (!seen[id]) { v.rows[id].tr.remove(); delete v.rows[id]; }
      });
      var items = [
        ["servers", peers.length], ["active", num(active)], ["req/s", rated ? rate(reqRate) : "–"],
        ["sessions", num(sessions)]
      ];
      var p = up.session_picks;
      if (p) {
        next.picks[name] = p;
        var q = last && last.picks[name], hit = per(p.hit, q && q.hit, dt), miss = per(p.miss, q && q.miss, dt),
            fail = per(p.failover, q && q.failover, dt);
        var total = hit + miss + fail;
        items.push(["sticky hits/s", hit == null ? "–" : rate(hit) + " (" + pct(hit, total) + ")",
                    "requests routed to their session's server; in all: " + num(p.hit)]);
        items.push(["failovers/s", fail == null ? "–" : rate(fail) + " (" + pct(fail, total) + ")",
                    "requests whose server was unusable, sent to its stand-in; in all: " + num(p.failover)]);
        items.push(["new sessions/s", miss == null ? "–" : rate(miss),
                    "requests without a known session, balanced; in all: " + num(p.miss)]);
      }
      if (up.drain_idle) items.push(["drain_idle", up.drain_idle]);
      figures(v, items);
    });
    Object.keys(views).forEach(function (name) {
      if (!Object.prototype.hasOwnProperty.call(data, name)) { views[name].section.remove(); delete views[name]; }
    });
    $("empty").hidden = names.length > 0;
    last = next;
  }

  function act(name, id, r) {
    var body = r.body;
    r.pending = true;
    r.button.disabled = true;
    fetch(BASE + "/" + encodeURIComponent(name) + "/servers/" + id, {
      method: "PATCH", cache: "no-store", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
    }).then(function (res) {
      if (res.ok) { notice(""); return; }
      if (res.status === 405) setWrite("off");
      return res.json().catch(function () { return null; }).then(function (j) {
        throw new Error((j && j.error && j.error.text) || "HTTP " + res.status);
      });
    }).catch(function (e) {
      notice("PATCH " + name + " server " + id + " " + JSON.stringify(body) + ": " + e.message);
    }).then(function () {
      r.pending = false;
      return refresh();
    }).then(function () { r.button.disabled = false; });
  }

  put($("api"), API);
  setWrite("unknown");
  refresh();
})();

"""#
}
