"""Drives switchyard's dashboard in headless Chromium over the DevTools protocol (Debian chromium and
python3-websockets); prints what it saw, one line each, for Tests/ProxyTests/DashboardBrowserTests.swift.

dashboard_cdp.py PAGE_URL API_URL UPSTREAM SERVER_ID ACTION STATE [--traffic URL COOKIE...] [--screenshots DIR]
  Loads PAGE_URL at 1280x800, waits for UPSTREAM's table to fill (every server a row, a request rate shown),
  for the drain buttons (the page found the API writable) and for no horizontal overflow; with --screenshots,
  saves DIR/dashboard.png (1280x800) and DIR/dashboard-phone.png (390x844, the card layout), checking the
  phone width too. Then clicks SERVER_ID's button with the mouse (its action must be ACTION: drain, undrain
  or up), waits for the row to show STATE, and reads the server from API_URL/9/http/upstreams/UPSTREAM.
  --traffic sends requests to URL with each COOKIE in turn (and none) while the page is open, so rates move.
Exits 0 when everything matched, 1 otherwise (a line starting with FAIL says why). Chromium is started in
its own process group with a profile in a temp directory, and killed (by that group) on exit.
"""
import asyncio
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import websockets

PR_SET_PDEATHSIG = 1


def say(line):
    print(line, flush=True)


def fail(msg):
    say("FAIL " + msg)
    sys.exit(1)


def chromium_path():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    fail("chromium is not installed")


def launch(profile):
    libc = ctypes.CDLL("libc.so.6", use_errno=True)

    def die_with_parent():
        # If this script is killed, Chromium goes too (its own children follow their parent).
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        # The lowest priority: a browser starting up must not starve the timing-sensitive tests of the suite
        # running beside this one (its own waits are bounded generously).
        os.nice(19)

    args = [chromium_path(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-sync", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--user-data-dir=" + profile, "--window-size=1280,800", "about:blank"]
    err = open(os.path.join(profile, "chromium.log"), "w")
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True,
                            preexec_fn=die_with_parent)


def stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def page_socket(profile, proc):
    """The page target's DevTools WebSocket URL, once Chromium wrote its port."""
    port_file = os.path.join(profile, "DevToolsActivePort")
    for _ in range(600):
        if proc.poll() is not None:
            fail("chromium exited with %s: %s" % (proc.returncode, tail(profile)))
        try:
            with open(port_file) as f:
                port = int(f.readline().strip())
            with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10) as r:
                targets = json.load(r)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    fail("chromium did not open its DevTools port: " + tail(profile))


def tail(profile):
    try:
        with open(os.path.join(profile, "chromium.log")) as f:
            return f.read()[-2000:]
    except OSError:
        return ""


class DevTools:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.problems = []   # exceptions, console errors and CSP refusals the page produced

    async def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        await self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
            if msg.get("id") == mine:
                if "error" in msg:
                    fail("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.event(msg)

    def event(self, msg):
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.problems.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.problems.append("console: " + json.dumps(params.get("args", []))[:500])
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            text = entry.get("text", "")
            # A failed fetch the page reports itself (the write probe's 404 or 405) is expected; anything the
            # page's own code or its security policy did wrong is not.
            if entry.get("level") == "error" and entry.get("source") != "network":
                self.problems.append("log: " + text[:500])

    async def js(self, expression):
        r = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            fail("evaluating %s: %s" % (expression, json.dumps(r["exceptionDetails"])[:500]))
        return r.get("result", {}).get("value")

    async def wait_for(self, what, expression, seconds=30):
        """Polls `expression` until it is truthy (bounded; the page polls the API every second)."""
        value = None
        for _ in range(seconds * 10):
            value = await self.js(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        fail("%s: still %r after %d s; page said %r" % (what, value, seconds,
                                                       await self.js("document.getElementById('status').textContent")))

    async def viewport(self, width, height, mobile):
        await self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=mobile)

    async def screenshot(self, path):
        r = await self.call("Page.captureScreenshot", format="png")
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))


def traffic(url, cookies, stop_flag):
    """Requests through the proxy while the page is open: the sessions given, and one without a session."""
    i = 0
    while not stop_flag.is_set():
        cookie = (cookies + [None])[i % (len(cookies) + 1)]
        i += 1
        req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                r.read()
        except OSError:
            pass
        stop_flag.wait(0.02)


def api_server(api_url, upstream, server_id):
    with urllib.request.urlopen("%s/9/http/upstreams/%s" % (api_url.rstrip("/"), upstream), timeout=10) as r:
        peers = json.load(r)["peers"]
    return next(p for p in peers if p["id"] == server_id)


def rows_expr(upstream):
    return "document.querySelectorAll('section[data-upstream=\"%s\"] tbody tr')" % upstream


async def drive(ws_url, page_url, api_url, upstream, server_id, action, state, shots):
    async with websockets.connect(ws_url, max_size=None, ping_interval=None, open_timeout=30) as ws:
        dt = DevTools(ws)
        for domain in ("Page", "Runtime", "Log"):
            await dt.call(domain + ".enable")
        await dt.viewport(1280, 800, False)
        await dt.call("Page.navigate", url=page_url)
        loaded = time.monotonic()

        # The table fills: one row per server of the API's upstream, each with its state, and a rate once two
        # polls have been compared.
        expected = len(json.load(urllib.request.urlopen(
            "%s/9/http/upstreams/%s" % (api_url.rstrip("/"), upstream), timeout=10))["peers"])
        rows = await dt.wait_for("rows", "(() => { const r = %s; return r.length >= %d && "
                                 "[...r].every(t => t.dataset.state) ? r.length : 0; })()" % (rows_expr(upstream), expected))
        say("rows %d after %.2f s" % (rows, time.monotonic() - loaded))
        rate = await dt.wait_for("rate", "(() => { const n = [...%s].map(t => parseFloat(t.querySelector('td[data-label=\"Req/s\"]')"
                                 ".textContent)).filter(x => x > 0); return n.length ? n.join(',') : ''; })()" % rows_expr(upstream))
        say("rate " + rate)
        await dt.wait_for("writable", "document.body.classList.contains('writable')")
        say("writable " + await dt.js("document.getElementById('mode').textContent"))
        say("figures " + await dt.js("document.querySelector('section[data-upstream=\"%s\"] .figs').textContent" % upstream))
        for line in await dt.js("[...%s].map(t => t.dataset.id + ' ' + t.dataset.state + ' ' + "
                                "t.querySelector('button').dataset.action)" % rows_expr(upstream)):
            say("row " + line)

        overflow = "document.documentElement.scrollWidth - window.innerWidth"
        if await dt.js(overflow) > 0:
            fail("the page is wider than 1280 px: %d px more" % await dt.js(overflow))
        if shots:
            await dt.screenshot(os.path.join(shots, "dashboard.png"))
        await dt.viewport(390, 844, True)
        await dt.wait_for("phone layout", "getComputedStyle(document.querySelector('thead')).display === 'none'")
        if await dt.js(overflow) > 0:
            fail("the page is wider than 390 px: %d px more" % await dt.js(overflow))
        say("phone layout fits")
        if shots:
            await dt.screenshot(os.path.join(shots, "dashboard-phone.png"))
            say("screenshots " + shots)
        await dt.viewport(1280, 800, False)

        # A real click: the button's centre, mouse down and up.
        button = "document.querySelector('section[data-upstream=\"%s\"] button[data-id=\"%d\"]')" % (upstream, server_id)
        where = await dt.js("(() => { const b = %s; b.scrollIntoView({block: 'center'}); const r = b.getBoundingClientRect();"
                            " return [r.x + r.width / 2, r.y + r.height / 2, b.dataset.action, b.textContent]; })()" % button)
        if where[2] != action:
            fail("server %d's button is %r (%s), not %r" % (server_id, where[2], where[3], action))
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await dt.call("Input.dispatchMouseEvent", type=kind, x=where[0], y=where[1], button="left", clickCount=1)
        say("clicked %s (%s)" % (action, where[3]))
        clicked = time.monotonic()
        row = "document.querySelector('section[data-upstream=\"%s\"] tr[data-id=\"%d\"]')" % (upstream, server_id)
        await dt.wait_for("state " + state, "%s.dataset.state === %s" % (row, json.dumps(state)))
        shown = time.monotonic() - clicked
        say("page %s after %.2f s, button %s, drain cell %s" % (state, shown, await dt.js(button + ".dataset.action"),
                                                   await dt.js(row + ".querySelector('td[data-label=\"Drain\"]').textContent")))
        peer = api_server(api_url, upstream, server_id)
        say("api %s drain=%s" % (peer["state"], json.dumps(peer.get("drain"))))
        notice = await dt.js("document.getElementById('notice').hidden ? '' : document.getElementById('notice').textContent")
        if notice:
            fail("the page shows an error: " + notice)
        # Let any late event arrive, then report what went wrong on the page.
        await dt.js("new Promise(r => setTimeout(r, 200))")
        if dt.problems:
            fail("; ".join(dt.problems))
        say("ok")


def main():
    args = sys.argv[1:]
    shots, traffic_url, cookies = None, None, []
    if "--screenshots" in args:
        i = args.index("--screenshots")
        shots = args[i + 1]
        del args[i:i + 2]
    if "--traffic" in args:
        i = args.index("--traffic")
        traffic_url, cookies = args[i + 1], args[i + 2:]
        del args[i:]
    if len(args) != 6:
        fail(__doc__)
    page_url, api_url, upstream, server_id, action, state = args
    profile = tempfile.mkdtemp(prefix="switchyard-chromium-")
    proc = launch(profile)
    stop_flag = threading.Event()
    feeder = None
    try:
        if traffic_url:
            feeder = threading.Thread(target=traffic, args=(traffic_url, cookies, stop_flag), daemon=True)
            feeder.start()
        ws_url = page_socket(profile, proc)
        asyncio.run(asyncio.wait_for(drive(ws_url, page_url, api_url, upstream, int(server_id), action, state, shots),
                                     180))
    except asyncio.TimeoutError:
        fail("the browser session did not finish")
    finally:
        stop_flag.set()
        if feeder:
            feeder.join(15)
        stop(proc)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
