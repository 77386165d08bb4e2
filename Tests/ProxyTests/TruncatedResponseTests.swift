import Glibc
import SwitchyardTestSupport
import Testing

/// An upstream answer that breaks off after its head (the upstream closes short of its Content-Length): the
/// client still gets every byte the proxy was given, then the close, as from nginx. A small send buffer
/// (`sndbuf=8k`) and a client that reads late keep most of it in the proxy's own output when the upstream
/// closes; that output used to be dropped with the connection.
@Suite struct TruncatedResponseTests {
    @Test func whatCameBeforeTheBreakStillGoesOut() throws {
        let dir = try TempDir.make()
        let port = freePort()
        try TempDir.write(dir + "/short.py", """
            import socket, sys
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(sys.argv[1])))
            s.listen(4)
            print("ready", flush=True)
            c, _ = s.accept()
            data = b""
            while b"\\r\\n\\r\\n" not in data:
                data += c.recv(4096)
            c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 50000\\r\\n\\r\\n" + b"x" * 40000)
            c.close()
            """)
        let backend = try PythonProcess(path: dir + "/short.py", [String(port)])
        defer { backend.stop() }
        #expect(eventually(seconds: 20) { backend.stdout().contains("ready") })
        let log = dir + "/access.log"
        let f = try Fixture(http: """
            log_format sent '$status $body_bytes_sent';
            server {
                listen 127.0.0.1:PORT sndbuf=8k;
                access_log \(log) sent;
                location / { proxy_pass http://127.0.0.1:\(port); }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually(seconds: 10) { f.errorLog().contains("upstream prematurely closed connection") })
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(c.fd, &chunk, chunk.count)
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.split(separator: "\r\n\r\n", maxSplits: 1).last?.count == 40000, "\(received.count) bytes")
        #expect(eventually(seconds: 5) { ((try? TempDir.read(log)) ?? "") == "200 40000\n" })
    }
}
