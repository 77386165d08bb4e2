#!/usr/bin/env python3
"""Open N keep-alive client connections to 127.0.0.1:PORT, make one request on each, then hold them idle.

Prints "ready OPEN FAILED" once every connection has its response, then holds them until SIGTERM or HOLD
seconds pass (bounded even if nobody stops it). Used by scripts/bench.sh to measure RSS per idle client.
Usage: idle_conns.py PORT COUNT PATH HOLD [tls]      (tls: each connection is TLS, the certificate not checked)
"""
import resource
import signal
import socket
import ssl
import sys
import time


def one_request(sock, request):
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        body += chunk
    return head.startswith(b"HTTP/1.1 200")


def main():
    port, count, path, hold = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 64)), hard))
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    tls = None
    if len(sys.argv) > 5 and sys.argv[5] == "tls":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    socks, failed = [], 0
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(("127.0.0.1", port))
            if tls:
                s = tls.wrap_socket(s, server_hostname="bench")
            if one_request(s, request):
                socks.append(s)
                continue
        except OSError:
            pass
        failed += 1
        s.close()
    print(f"ready {len(socks)} {failed}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        time.sleep(hold)
    finally:
        for s in socks:
            s.close()


if __name__ == "__main__":
    main()
