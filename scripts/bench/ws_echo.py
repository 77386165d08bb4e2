#!/usr/bin/env python3
"""WebSocket backend for the bench's ws1/ws100 scenarios: answers each Upgrade request with a proper 101
(Sec-WebSocket-Accept computed) and then echoes every byte back. The frames are opaque to the proxies under
test (they relay bytes), so echoing the client's masked frames keeps this loop as cheap as Python allows.

Usage: ws_echo.py PORT   (prints "ready" once listening; one process, epoll via selectors)
"""
import base64
import hashlib
import selectors
import socket
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_key(head):
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            return base64.b64encode(hashlib.sha1(value.strip() + GUID).digest())
    return b""


def main(port):
    sel = selectors.DefaultSelector()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4096)
    ls.setblocking(False)
    sel.register(ls, selectors.EVENT_READ, None)
    heads = {}  # connection -> bytes of its request head so far (until the 101 is sent)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                c.setblocking(False)
                heads[c] = b""
                sel.register(c, selectors.EVENT_READ, None)
                continue
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(s); heads.pop(s, None); s.close()
                continue
            if s in heads:
                head = heads[s] + data
                end = head.find(b"\r\n\r\n")
                if end < 0:
                    heads[s] = head
                    continue
                del heads[s]
                s.setblocking(True)
                s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          b"Sec-WebSocket-Accept: " + accept_key(head[:end]) + b"\r\n\r\n" + head[end + 4:])
                s.setblocking(False)
                continue
            # An echo of a few dozen bytes fits the socket buffer: a blocking send never waits here.
            s.setblocking(True)
            s.sendall(data)
            s.setblocking(False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
