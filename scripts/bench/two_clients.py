"""two_clients.py PORT N PATH [HEADER]: N keep-alive requests from two clients taking turns, one carrying the session
cookie JSESSIONID=ABC.tomcat1 and the other ABC.tomcat2, so a round-robin, ip_hash and jvm_route proxy all
keep their upstream connections busy the same way. Used by bench.sh's callgrind phase; each response is
read whole before the next request. HEADER (`Name: value`) goes on every request (front_rr50's X-Forwarded-For)."""
import socket
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else "/1k.bin"
extra = sys.argv[4] + "\r\n" if len(sys.argv) > 4 else ""
socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(2)]
requests = [f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: JSESSIONID=ABC.tomcat{k + 1}\r\n{extra}\r\n".encode()
            for k in range(2)]
for i in range(n):
    s = socks[i % 2]
    s.sendall(requests[i % 2])
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(f"two_clients: connection closed before a response head (request {i})")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        status_line = head.split(b"\r\n")[0]
        sys.exit(f"two_clients: unexpected response {status_line!r}")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("two_clients: connection closed inside a body")
        body += chunk
for s in socks:
    s.close()
