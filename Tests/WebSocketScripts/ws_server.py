"""A WebSocket backend for switchyard's tests (Debian python3-websockets).

ws_server.py PORT NAME [CERT KEY]: serves on 127.0.0.1:PORT (over TLS with CERT and KEY: wss).
  Every connection first gets a text message "NAME <path> <cookie header>", then its messages echoed back
  (text as text, binary as binary). The text "close-me" makes the server close with code 4000 ("server bye").
Plain HTTP GETs (no Upgrade) get 200 "NAME" so the proxy can tell an ordinary response from a tunnel.
"""
import asyncio
import http
import ssl
import sys

import websockets


async def handler(ws, path=None):
    path = path if path is not None else ws.path
    cookie = ws.request_headers.get("Cookie", "-")
    await ws.send(f"{NAME} {path} {cookie}")
    async for message in ws:
        if message == "close-me":
            await ws.close(code=4000, reason="server bye")
            return
        await ws.send(message)


async def plain_http(path, headers):
    if "upgrade" not in headers.get("Connection", "").lower():
        return http.HTTPStatus.OK, [("Content-Type", "text/plain")], NAME.encode()
    return None


async def main(port, tls):
    async with websockets.serve(handler, "127.0.0.1", port, process_request=plain_http, ssl=tls,
                                max_size=None, max_queue=None, ping_interval=None, backlog=2048):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    PORT, NAME = int(sys.argv[1]), sys.argv[2]
    TLS = None
    if len(sys.argv) > 4:
        TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        TLS.load_cert_chain(sys.argv[3], sys.argv[4])
    asyncio.run(main(PORT, TLS))
