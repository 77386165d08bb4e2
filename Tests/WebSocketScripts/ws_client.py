"""A WebSocket client for switchyard's tests (Debian python3-websockets); prints what it saw, one line each.

ws_client.py URL MODE [ARG...] [--cookie VALUE]     (a wss:// URL: TLS, the certificate not checked)
  echo            greeting, a text and a binary frame echoed, a ping answered by a pong
  bulk MIB [HOLD] MIB MiB each way in 64 KiB binary messages, echoes checked byte for byte; then the
                  tunnel stays open HOLD seconds (0 unless given) before the client closes it
  close-client    the client closes: the close handshake completes with 1000
  close-server    the server closes (code 4000) after "close-me"
  greet           prints the greeting (which node answered) and closes
  hold N FLAG     opens N tunnels, prints "open N", waits until the file FLAG exists, then checks each echoes
  rate N SECONDS  (bench) N tunnels each send 32-byte messages for SECONDS, one in flight per tunnel;
                  prints "rate MSGS_PER_SECOND"
Exits 0 when everything matched, 1 otherwise.
"""
import asyncio
import hashlib
import os
import ssl
import sys
import time

import websockets


def fail(msg):
    print("FAIL " + msg, flush=True)
    sys.exit(1)


async def connect(url, cookie):
    headers = [("Cookie", cookie)] if cookie else None
    tls = None
    if url.startswith("wss://"):
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    ws = await websockets.connect(url, extra_headers=headers, max_size=None, max_queue=None, ssl=tls,
                                  ping_interval=None, open_timeout=30, close_timeout=10)
    greeting = await ws.recv()
    return ws, greeting


async def echo(url, cookie):
    ws, greeting = await connect(url, cookie)
    print("greeting " + greeting, flush=True)
    await ws.send("hello, tunnel")
    if await ws.recv() != "hello, tunnel":
        fail("text echo")
    blob = os.urandom(1024)   # incompressible: permessage-deflate must not shrink it below the log check
    await ws.send(blob)
    back = await ws.recv()
    if not isinstance(back, bytes) or back != blob:
        fail("binary echo")
    pong = await ws.ping(b"are you there")
    await asyncio.wait_for(pong, 10)
    print("echo ok", flush=True)
    await ws.close()


async def bulk(url, cookie, mib, hold=0.0):
    ws, _ = await connect(url, cookie)
    piece = 64 * 1024
    count = mib * 1024 * 1024 // piece
    sent, got = hashlib.sha256(), hashlib.sha256()

    async def sender():
        for i in range(count):
            data = os.urandom(piece)
            sent.update(data)
            await ws.send(data)

    async def receiver():
        total = 0
        while total < count * piece:
            m = await ws.recv()
            got.update(m)
            total += len(m)
        return total

    _, total = await asyncio.gather(sender(), receiver())
    if sent.digest() != got.digest():
        fail("bulk digest")
    print(f"bulk ok {total}", flush=True)
    await asyncio.sleep(hold)
    await ws.close()


async def close_client(url, cookie):
    ws, _ = await connect(url, cookie)
    await ws.close()
    print(f"closed {ws.close_code}", flush=True)


async def close_server(url, cookie):
    ws, _ = await connect(url, cookie)
    await ws.send("close-me")
    try:
        await asyncio.wait_for(ws.recv(), 10)
        fail("server did not close")
    except websockets.ConnectionClosed as e:
        print(f"closed {e.rcvd.code if e.rcvd else 'none'} {e.rcvd.reason if e.rcvd else ''}", flush=True)


async def greet(url, cookie):
    ws, greeting = await connect(url, cookie)
    print("greeting " + greeting, flush=True)
    await ws.close()


async def hold(url, cookie, n, flag):
    gate = asyncio.Semaphore(100)

    async def one(i):
        async with gate:
            ws, _ = await connect(url, cookie)
        return ws

    conns = await asyncio.gather(*(one(i) for i in range(n)))
    print(f"open {len(conns)}", flush=True)
    for _ in range(1200):
        if os.path.exists(flag):
            break
        await asyncio.sleep(0.05)
    else:
        fail("flag never appeared")

    async def check(i, ws):
        msg = f"after {i}"
        await ws.send(msg)
        if await ws.recv() != msg:
            return False
        await ws.close()
        return True

    results = await asyncio.gather(*(check(i, ws) for i, ws in enumerate(conns)), return_exceptions=True)
    ok = sum(1 for r in results if r is True)
    print(f"held ok {ok} dropped {n - ok}", flush=True)
    if ok != n:
        sys.exit(1)


async def rate(url, cookie, n, seconds):
    conns = [(await connect(url, cookie))[0] for _ in range(n)]
    payload = "x" * 32
    counts = [0] * n
    end = time.monotonic() + seconds

    async def loop(i, ws):
        while time.monotonic() < end:
            await ws.send(payload)
            await ws.recv()
            counts[i] += 1

    start = time.monotonic()
    await asyncio.gather(*(loop(i, ws) for i, ws in enumerate(conns)))
    elapsed = time.monotonic() - start
    print(f"rate {sum(counts) / elapsed:.0f}", flush=True)
    for ws in conns:
        await ws.close()


def main():
    args = sys.argv[1:]
    cookie = None
    if "--cookie" in args:
        i = args.index("--cookie")
        cookie = args[i + 1]
        del args[i:i + 2]
    url, mode, rest = args[0], args[1], args[2:]
    runs = {
        "echo": lambda: echo(url, cookie),
        "bulk": lambda: bulk(url, cookie, int(rest[0]), float(rest[1]) if len(rest) > 1 else 0.0),
        "close-client": lambda: close_client(url, cookie),
        "close-server": lambda: close_server(url, cookie),
        "greet": lambda: greet(url, cookie),
        "hold": lambda: hold(url, cookie, int(rest[0]), rest[1]),
        "rate": lambda: rate(url, cookie, int(rest[0]), float(rest[1])),
    }
    asyncio.run(runs[mode]())


if __name__ == "__main__":
    main()
