"""A uwsgi application over TLS, for UWSGITLSTests: reads one uwsgi packet (and its body) per connection and
answers, as uWSGI does, with an HTTP head and a body naming what it saw: the request's URI, the name the client
sent in SNI, and the CN of the client certificate (`-` for none).

    uwsgi_tls_app.py PORT CERT KEY [CLIENT_CA]     prints "ready" once it listens on 127.0.0.1:PORT
"""
import socket, ssl, sys, threading

port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
client_ca = sys.argv[4] if len(sys.argv) > 4 else ""

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if client_ca:
    ctx.load_verify_locations(client_ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
names = {}
lock = threading.Lock()


def remember_sni(tls, name, _ctx):
    with lock:
        names[id(tls)] = name or ""


ctx.sni_callback = remember_sni


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def uwsgi_vars(packet):
    found, i = {}, 0
    while i + 2 <= len(packet):
        klen = int.from_bytes(packet[i:i + 2], "little")
        k = packet[i + 2:i + 2 + klen]
        i += 2 + klen
        vlen = int.from_bytes(packet[i:i + 2], "little")
        found[k.decode("latin-1")] = packet[i + 2:i + 2 + vlen].decode("latin-1")
        i += 2 + vlen
    return found


def serve(raw):
    try:
        with ctx.wrap_socket(raw, server_side=True) as conn:
            head = read_exactly(conn, 4)
            found = uwsgi_vars(read_exactly(conn, head[1] | head[2] << 8))
            body = read_exactly(conn, int(found.get("CONTENT_LENGTH") or 0))
            peer = conn.getpeercert()
            cn = "-"
            if peer:
                cn = dict(x[0] for x in peer["subject"]).get("commonName", "-")
            with lock:
                sni = names.pop(id(conn), "")
            text = "uri=%s sni=%s client=%s body=%s\n" % (found.get("REQUEST_URI", ""), sni or "-", cn,
                                                          body.decode("latin-1"))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + text.encode())
    except (OSError, EOFError, ssl.SSLError):
        pass


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(64)
print("ready", flush=True)
while True:
    raw, _ = listener.accept()
    threading.Thread(target=serve, args=(raw,), daemon=True).start()
