#!/usr/bin/env python3
"""Driver of shared_routes.sh: N sessions created through switchyard A (port PA), each then sent through B (PB)
twice on one keep-alive connection. Prints the agreement rate and the per-request latency of B's first request
(its route comes from memcached) and second request (from B's own table): p50, p99 and their differences."""
import socket
import sys
import time

pa, pb, memcached_port, n = (int(x) for x in sys.argv[1:5])


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def get(self, sid=None):
        cookie = f"Cookie: SID={sid}\r\n" if sid else ""
        self.sock.sendall(f"GET / HTTP/1.1\r\nHost: x\r\n{cookie}\r\n".encode())
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            fields.setdefault(name.strip().lower(), value.strip())
        length = int(fields.get(b"content-length", b"0"))
        while len(self.buf) < length:
            self.buf += self.sock.recv(65536)
        body, self.buf = self.buf[:length], self.buf[length:]
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"shared_routes: {head.splitlines()[0]!r}")
        cookie = fields.get(b"set-cookie", b"")
        new_sid = cookie[4:].split(b";")[0].decode() if cookie.startswith(b"SID=") else None
        return body.strip().decode(), new_sid


def memcached_has(key):
    s = socket.create_connection(("127.0.0.1", memcached_port))
    s.sendall(f"get {key}\r\n".encode())
    data = b""
    while not data.endswith(b"END\r\n"):
        data += s.recv(65536)
    s.close()
    return data.startswith(b"VALUE")


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


a = Client(pa)
sessions = []
for _ in range(n):
    node, sid = a.get()
    sessions.append((sid, node))
# Writes are asynchronous: wait until the last one is in memcached (each connection keeps its order).
deadline = time.time() + 10
while not memcached_has("sy:l:sessions:" + sessions[-1][0]) and time.time() < deadline:
    time.sleep(0.01)

b = Client(pb)
shared_ms, local_ms, agree = [], [], 0
for sid, node in sessions:
    t0 = time.perf_counter_ns()
    got, _ = b.get(sid)
    t1 = time.perf_counter_ns()
    again, _ = b.get(sid)
    t2 = time.perf_counter_ns()
    shared_ms.append((t1 - t0) / 1e6)
    local_ms.append((t2 - t1) / 1e6)
    agree += got == node and again == node

print(f"sessions={n} agreement={agree}/{n} ({100.0 * agree / n:.2f}%)")
for name, values in (("memcached_hit", shared_ms), ("local_hit", local_ms)):
    print(f"{name:14s} p50={pct(values, 50):.3f} ms  p99={pct(values, 99):.3f} ms")
print(f"added_by_memcached p50={pct(shared_ms, 50) - pct(local_ms, 50):.3f} ms  "
      f"p99={pct(shared_ms, 99) - pct(local_ms, 99):.3f} ms")
