#!/usr/bin/env python3
"""One paced keep-alive client per key against a limit_req location (scripts/bench/limit_req_precision.sh).

Each client sends `GET /` with `X-Key: kN` at `offered` requests a second for `seconds`, one request at a time on
one connection, and counts the 200s and 503s. Prints one line per key: key, sent, accepted, refused, seconds.
Usage: limit_req_clients.py PORT KEYS OFFERED SECONDS
"""
import socket
import sys
import threading
import time


def read_response(sock, buf):
    """Reads one response with a Content-Length body; returns (status, rest of buffer)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    return status, rest[length:]


def client(port, key, offered, seconds, out):
    sock = socket.create_connection(("127.0.0.1", port))
    request = ("GET / HTTP/1.1\r\nHost: x\r\nX-Key: %s\r\n\r\n" % key).encode()
    sent = accepted = refused = 0
    start = time.monotonic()
    buf = b""
    while True:
        due = start + sent / offered
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        sock.sendall(request)
        status, buf = read_response(sock, buf)
        sent += 1
        if status == 200:
            accepted += 1
        elif status == 503:
            refused += 1
        else:
            raise RuntimeError("unexpected status %d" % status)
    out[key] = (sent, accepted, refused, time.monotonic() - start)
    sock.close()


def main():
    port, keys, offered, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    out = {}
    threads = [threading.Thread(target=client, args=(port, "k%d" % i, offered, seconds, out)) for i in range(keys)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in sorted(out):
        sent, accepted, refused, elapsed = out[key]
        print(key, sent, accepted, refused, "%.3f" % elapsed)


if __name__ == "__main__":
    main()
