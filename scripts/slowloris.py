#!/usr/bin/env python3
"""Slowloris benchmark: do legitimate requests still get through while slow clients hold every slot?

Starts switchyard (release build) or nginx in front of a small backend on 127.0.0.1, opens --conns slow
connections that each send one more header line every --interval seconds and never finish their head
(reconnecting when the server closes them, as slowloris does), and meanwhile sends --rate legitimate GETs per
second on fresh connections. Prints the legitimate requests' success rate and latency percentiles, and stops
everything it started by PID. Standard library only.

    python3 scripts/slowloris.py                      # switchyard, 5,000 slow connections, 20 s
    python3 scripts/slowloris.py --server nginx       # the same against nginx
    python3 scripts/slowloris.py --conns 1500 --duration 12 --workers 1

Target (issue 13 item 7): with 5,000 slow connections against worker_connections 1024, legitimate GETs
succeed >= 95 % with p99 < 200 ms.
"""
import argparse
import asyncio
import concurrent.futures
import multiprocessing
import os
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---- backend: answers every request with a small 200, keep-alive ----

def run_backend(port, ready):
    body = b"hello from the backend\n"
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s" % (len(body), body)

    async def handle(reader, writer):
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    asyncio.run(main())


# ---- slow clients: one process, non-blocking sockets, one header line per connection per interval ----

def run_attack(port, conns, interval, duration, reconnect, ready, stop, results):
    raise_nofile(conns + 256)
    sel = selectors.DefaultSelector()
    addr = ("127.0.0.1", port)
    state = {}                     # socket -> lines sent
    stats = {"opened": 0, "closed_by_server": 0, "connect_failed": 0, "lines": 0}

    def open_one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(addr)
        state[s] = -1              # connecting
        sel.register(s, selectors.EVENT_WRITE)
        stats["opened"] += 1

    def drop(s, by_server):
        sel.unregister(s)
        del state[s]
        s.close()
        if by_server:
            stats["closed_by_server"] += 1

    end = time.monotonic() + duration
    for _ in range(conns):
        open_one()
    signalled = False
    next_tick = time.monotonic() + interval
    n = 0
    while time.monotonic() < end and not stop.is_set():
        timeout = max(0.0, next_tick - time.monotonic())
        for key, ev in sel.select(timeout):
            s = key.fileobj
            if state.get(s) == -1:           # connect finished (or failed)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    stats["connect_failed"] += 1
                    drop(s, False)
                    continue
                try:
                    s.send(b"GET /?slow HTTP/1.1\r\nHost: localhost\r\n")
                    state[s] = 0
                    sel.modify(s, selectors.EVENT_READ)
                except OSError:
                    drop(s, True)
            else:                             # readable: the server closed it (or answered a timeout)
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(s, True)
        if not signalled and sum(1 for v in state.values() if v >= 0) >= conns * 0.9:
            ready.set()
            signalled = True
        if time.monotonic() >= next_tick:
            next_tick += interval
            # As slowloris does: once per round, reopen what the server closed.
            if reconnect:
                for _ in range(conns - len(state)):
                    open_one()
            for s, sent in list(state.items()):
                if sent < 0:
                    continue
                try:
                    s.send(b"X-Slow-%d: %d\r\n" % (n, sent))
                    state[s] = sent + 1
                    stats["lines"] += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    drop(s, True)
            n += 1
    ready.set()
    stats["open_at_end"] = sum(1 for v in state.values() if v >= 0)
    for s in list(state):
        s.close()
    results.put(stats)


# ---- legitimate clients: fresh connection, one GET, timed ----

def one_get(port, timeout):
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(max(0.01, timeout - (time.monotonic() - start)))
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        ok = data.startswith(b"HTTP/1.1 200") and data.endswith(b"backend\n")
        return ok, time.monotonic() - start, None if ok else (data[:40] or b"closed without a response")
    except OSError as e:
        return False, time.monotonic() - start, repr(e)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# ---- servers ----

def switchyard_config(port, backend, workers, slots, nofile):
    return f"""
worker_processes {workers};
worker_rlimit_nofile {nofile};
error_log logs/error.log error;
pid logs/switchyard.pid;
events {{ worker_connections {slots}; }}
http {{
    access_log off;
    upstream backend {{ server 127.0.0.1:{backend}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }}
    }}
}}
"""


def nginx_config(port, backend, workers, slots, nofile, prefix):
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {d}_temp_path {prefix}/tmp/{d};" for d in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
{user}
worker_processes {workers};
worker_rlimit_nofile {nofile};
error_log {prefix}/logs/error.log error;
pid {prefix}/logs/nginx.pid;
events {{ worker_connections {slots}; }}
http {{
    access_log off;
{temp}
    upstream backend {{ server 127.0.0.1:{backend}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }}
    }}
}}
"""


def start_server(args, port, backend, prefix):
    os.makedirs(prefix + "/logs", exist_ok=True)
    os.makedirs(prefix + "/conf", exist_ok=True)
    os.makedirs(prefix + "/tmp", exist_ok=True)
    nofile = args.conns + 4096
    if args.server == "nginx":
        conf = nginx_config(port, backend, args.workers, args.worker_connections, nofile, prefix)
        cmd = [args.nginx, "-p", prefix, "-c", prefix + "/conf/nginx.conf", "-g", "daemon off;"]
    else:
        binary = args.binary or os.path.join(ROOT, ".build/release/switchyard")
        if not os.path.exists(binary):
            print("building switchyard (swift build -c release) ...", flush=True)
            subprocess.run(["swift", "build", "-c", "release", "--product", "switchyard"], cwd=ROOT, check=True)
        conf = switchyard_config(port, backend, args.workers, args.worker_connections, nofile)
        cmd = [binary, "-p", prefix, "-c", prefix + "/conf/nginx.conf", "-g", "daemon off;"]
    with open(prefix + "/conf/nginx.conf", "w") as f:
        f.write(conf)
    proc = subprocess.Popen(cmd, stdout=open(prefix + "/stdout.log", "w"), stderr=open(prefix + "/stderr.log", "w"))
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    proc.kill()
    raise SystemExit(f"{args.server} did not start: " + open(prefix + "/stderr.log").read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", choices=["switchyard", "nginx"], default="switchyard")
    ap.add_argument("--binary", help="switchyard binary (default .build/release/switchyard, built if missing)")
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    ap.add_argument("--conns", type=int, default=5000, help="slow connections (default 5000)")
    ap.add_argument("--interval", type=float, default=0.2, help="seconds between a slow client's lines")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of legitimate traffic (default 20)")
    ap.add_argument("--rate", type=float, default=20.0, help="legitimate GETs per second (default 20)")
    ap.add_argument("--timeout", type=float, default=5.0, help="a legitimate GET fails after this many seconds")
    ap.add_argument("--workers", type=int, default=2, help="worker_processes (default 2)")
    ap.add_argument("--worker-connections", type=int, default=1024)
    ap.add_argument("--no-reconnect", action="store_true", help="slow clients do not reopen closed connections")
    args = ap.parse_args()

    raise_nofile(args.conns + 1024)
    prefix = tempfile.mkdtemp(prefix="slowloris-")
    os.chmod(prefix, 0o755)  # started as root, switchyard serves as nobody (as nginx's workers)
    ctx = multiprocessing.get_context("fork")
    backend_port, port = free_port(), free_port()
    backend_ready, attack_ready, attack_stop = ctx.Event(), ctx.Event(), ctx.Event()
    results = ctx.Queue()
    backend = ctx.Process(target=run_backend, args=(backend_port, backend_ready), daemon=True)
    backend.start()
    server = attack = None
    try:
        if not backend_ready.wait(10):
            raise SystemExit("backend did not start")
        server = start_server(args, port, backend_port, prefix)
        ok, lat, _ = one_get(port, args.timeout)
        if not ok:
            raise SystemExit("the proxy does not answer before the attack")
        # Slow clients run for the ramp-up plus the measured window plus a margin.
        attack = ctx.Process(target=run_attack, args=(port, args.conns, args.interval, args.duration + 15,
                                                      not args.no_reconnect, attack_ready, attack_stop, results),
                             daemon=True)
        attack.start()
        attack_ready.wait(15)
        time.sleep(2 * args.interval)   # every slow client has sent a line or two: the slots are theirs

        samples = []
        lock = threading.Lock()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=32)
        start = time.monotonic()
        count = int(args.duration * args.rate)

        def record(f):
            with lock:
                samples.append(f.result())

        for i in range(count):
            delay = start + i / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one_get, port, args.timeout).add_done_callback(record)
        pool.shutdown(wait=True)
        attack_stop.set()
        stats = results.get(timeout=60)
    finally:
        for p in (attack, backend):
            if p is not None and p.is_alive():
                p.terminate()
                p.join(5)
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    good = sorted(l for ok, l, _ in samples if ok)
    errors = {}
    for ok, _, e in samples:
        if not ok:
            errors[str(e)] = errors.get(str(e), 0) + 1
    all_lat = sorted(l for _, l, _ in samples)
    log = open(prefix + ("/logs/error.log")).read()
    print(f"server: {args.server}, worker_processes {args.workers}, worker_connections {args.worker_connections}")
    print(f"slow clients: {args.conns} connections, a header line every {args.interval * 1000:.0f} ms, "
          f"{'reconnecting' if not args.no_reconnect else 'no reconnect'}; opened {stats['opened']}, "
          f"closed by the server {stats['closed_by_server']}, open at the end {stats['open_at_end']}, "
          f"lines sent {stats['lines']}")
    print(f"legitimate GETs: {len(samples)} over {args.duration:.0f} s, {len(good)} succeeded "
          f"({100.0 * len(good) / max(1, len(samples)):.1f} %)")
    if good:
        print(f"latency of successful GETs: p50 {percentile(good, 50) * 1000:.1f} ms, "
              f"p99 {percentile(good, 99) * 1000:.1f} ms, max {good[-1] * 1000:.1f} ms")
    print(f"latency of all GETs (failures at their failure time): p99 {percentile(all_lat, 99) * 1000:.1f} ms")
    for e, n in sorted(errors.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  failed x{n}: {e}")
    print(f"error log: {log.count('worker_connections are not enough')} 'worker_connections are not enough' lines"
          f" ({prefix}/logs/error.log)")
    target = len(samples) and len(good) >= 0.95 * len(samples) and percentile(good, 99) < 0.2
    print("target (>= 95 % success, p99 < 200 ms):", "met" if target else "NOT met")


if __name__ == "__main__":
    main()
