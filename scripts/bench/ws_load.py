#!/usr/bin/env python3
"""Load client for the bench's ws1/ws100 scenarios: opens N WebSocket tunnels (a real Upgrade handshake) and
keeps one 32-byte masked text frame in flight on each for SECONDS, counting the echoes (ws_echo.py sends the
same bytes back). Prints one line:  rate MSGS_PER_SECOND p50 MS p99 MS errors N
After WARMUP seconds of the same traffic the counters start. One process, epoll via selectors.

Usage: ws_load.py PORT TUNNELS SECONDS [WARMUP]
"""
import base64
import os
import selectors
import socket
import sys
import time

PAYLOAD = b"switchyard websocket bench 32 b!"   # 32 bytes
MASK = b"\x12\x34\x56\x78"
FRAME = bytes([0x81, 0x80 | len(PAYLOAD)]) + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(PAYLOAD))


def handshake(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16))
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed during the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise OSError("no 101: " + head.split(b"\r\n", 1)[0].decode(errors="replace"))
    s.setblocking(False)
    return s


def main(port, tunnels, seconds, warmup):
    errors = 0
    conns = []
    for _ in range(tunnels):
        try:
            conns.append(handshake(port))
        except OSError as e:
            errors += 1
            print(f"handshake failed: {e}", file=sys.stderr)
    sel = selectors.DefaultSelector()
    pending = {}   # socket -> bytes of the echo still due
    sent_at = {}
    for s in conns:
        sel.register(s, selectors.EVENT_READ)
        s.send(FRAME)
        pending[s] = len(FRAME)
        sent_at[s] = time.perf_counter()
    start = time.perf_counter()
    measure_from = start + warmup
    end = measure_from + seconds
    count = 0
    latencies = []
    now = start
    while now < end and pending:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                errors += 1
                sel.unregister(s); pending.pop(s, None)
                continue
            pending[s] -= len(data)
            if pending[s] <= 0:
                now = time.perf_counter()
                if now >= measure_from:
                    count += 1
                    if len(latencies) < 200000:
                        latencies.append(now - sent_at[s])
                s.send(FRAME)
                pending[s] = len(FRAME)
                sent_at[s] = now
        now = time.perf_counter()
    elapsed = max(now - measure_from, 1e-9)
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0

    print(f"rate {count / elapsed:.0f} p50 {pct(0.5):.3f} p99 {pct(0.99):.3f} errors {errors}", flush=True)
    for s in conns:
        s.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    main(int(a[0]), int(a[1]), float(a[2]), float(a[3]) if len(a) > 3 else 1.0)
