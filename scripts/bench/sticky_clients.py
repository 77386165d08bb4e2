"""sticky_clients.py PORT N: two keep-alive clients taking turns through a `sticky cookie srv` upstream of two
servers. First each client asks without a cookie until the two hold cookies naming different servers (from the
responses' Set-Cookie), then N requests alternate, each carrying its client's cookie; a response that sets a new
cookie replaces it (a signed cookie past half its life is re-issued). Used by sticky_sign.sh under callgrind."""
import socket
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])


def exchange(sock, cookie):
    extra = f"Cookie: srv={cookie}\r\n" if cookie else ""
    sock.sendall(f"GET /1k.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("sticky_clients: connection closed before a response head")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        status_line = head.split(b"\r\n")[0]
        sys.exit(f"sticky_clients: unexpected response {status_line!r}")
    length, backend, new = 0, None, None
    for line in head.split(b"\r\n"):
        low = line.lower()
        if low.startswith(b"content-length:"):
            length = int(line.split(b":")[1])
        elif low.startswith(b"x-backend-port:"):
            backend = line.split(b":")[1].strip()
        elif low.startswith(b"set-cookie: srv="):
            new = line[len(b"set-cookie: srv="):].split(b";")[0].decode()
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("sticky_clients: connection closed inside a body")
        body += chunk
    return backend, new


socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(2)]
cookies, backends = [None, None], [None, None]
for _ in range(20):
    for k in range(2):
        if cookies[k] is None or backends[0] == backends[1]:
            backends[k], cookies[k] = exchange(socks[k], None)
    if backends[0] != backends[1]:
        break
if backends[0] == backends[1] or None in cookies:
    sys.exit("sticky_clients: could not get cookies for two different servers")
for i in range(n):
    k = i % 2
    backend, new = exchange(socks[k], cookies[k])
    if backend != backends[k]:
        sys.exit(f"sticky_clients: client {k} moved from {backends[k]!r} to {backend!r}")
    if new:
        cookies[k] = new
for s in socks:
    s.close()
