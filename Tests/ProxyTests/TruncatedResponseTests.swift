import Deflate
import Glibc
import SwitchyardTestSupport
import Testing

/// An upstream answer that breaks off after its head (the upstream closes short of its Content-Length): the
/// client still gets every byte the proxy was given, then the close, as from nginx. A small send buffer
/// (`sndbuf=8k`) and a client that reads late keep most of it in the proxy's own output when the upstream
/// closes; that output used to be dropped with the connection.
@Suite struct TruncatedResponseTests {
    /// The backend: every answer says 50,000 bytes and gives 40,000 before closing.
    static func shortBackend(port: UInt16) throws -> PythonProcess {
        let dir = try TempDir.make()
        try TempDir.write(dir + "/short.py", """
            import socket, sys
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(sys.argv[1])))
            s.listen(4)
            print("ready", flush=True)
            while True:
                c, _ = s.accept()
                data = b""
                while b"\\r\\n\\r\\n" not in data:
                    data += c.recv(4096)
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: text/html\\r\\nContent-Length: 50000\\r\\n\\r\\n"
                          + b"x" * 40000)
                c.close()
            """)
        let backend = try PythonProcess(path: dir + "/short.py", [String(port)])
        #expect(eventually(seconds: 20) { backend.stdout().contains("ready") })
        return backend
    }

    @Test func whatCameBeforeTheBreakStillGoesOut() throws {
        let dir = try TempDir.make()
        let port = freePort()
        let backend = try Self.shortBackend(port: port)
        defer { backend.stop() }
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
        let received = Self.readToClose(c)
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.split(separator: "\r\n\r\n", maxSplits: 1).last?.count == 40000, "\(received.count) bytes")
        #expect(eventually(seconds: 5) { ((try? TempDir.read(log)) ?? "") == "200 40000\n" })
    }

    /// A subrequest whose answer is dropped had what it needed once the head came: auth_request's decides by
    /// it, a mirror's is ignored, and a break in the body after it leaves the main request and its connection
    /// alone (the connection used to be closed: no answer at all behind auth_request).
    @Test func aBrokenSubrequestAnswerLeavesTheMainRequest() throws {
        let port = freePort()
        let backend = try Self.shortBackend(port: port)
        defer { backend.stop() }
        let www = try TempDir.make()
        try TempDir.write(www + "/guarded", "allowed")
        try TempDir.write(www + "/mirrored", "served")
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root \(www);   # static answers: a `return` would come before both phases
                location = /auth { internal; proxy_pass http://127.0.0.1:\(port); }
                location = /copy { internal; proxy_pass http://127.0.0.1:\(port); }
                location /guarded { auth_request /auth; }
                location /mirrored { mirror /copy; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        for (path, text) in [("/guarded", "allowed"), ("/mirrored", "served"), ("/guarded", "allowed")] {
            try c.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200)
            #expect(r.text == text)
        }
        #expect(eventually(seconds: 10) { f.errorLog().components("upstream prematurely closed connection").count == 4 }, "\(f.errorLog())")
    }

    /// Gzipped, the answer broken off is flushed, not finished: the client decodes every byte that came (and
    /// sees no last chunk). What the compressor held used to be dropped with it.
    @Test func aGzippedBreakIsFlushed() throws {
        let port = freePort()
        let backend = try Self.shortBackend(port: port)
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; gzip on; gzip_min_length 1; location / { proxy_pass http://127.0.0.1:\(port); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let received = Self.readToClose(c)
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.contains("\r\nContent-Encoding: gzip\r\n") && text.contains("\r\nTransfer-Encoding: chunked\r\n"))
        var body = Array(received[(Self.headEnd(received) ?? received.count)...])
        var gzipped: [UInt8] = []
        while let lineEnd = Self.crlf(body, from: 0), let size = Int(String(decoding: body[..<lineEnd], as: UTF8.self), radix: 16),
              size > 0, body.count >= lineEnd + 2 + size + 2 {
            gzipped += body[(lineEnd + 2)..<(lineEnd + 2 + size)]
            body.removeFirst(lineEnd + 2 + size + 2)
        }
        #expect(body.isEmpty, "\(body.count) bytes after the last whole chunk (a last chunk would be 0\\r\\n\\r\\n)")
        let inflater = try Inflater(format: .gzip)
        var out: [UInt8] = []
        _ = try gzipped.withUnsafeBytes { try inflater.decode($0, into: &out) }
        #expect(out.count == 40000)
    }

    /// Every byte the proxy writes on `c` until it closes.
    static func readToClose(_ c: TestClient) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(c.fd, &chunk, chunk.count)
            if n <= 0 { return received }
            received += chunk[0..<n]
        }
    }

    static func crlf(_ b: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 1 < b.count { if b[i] == 13 && b[i + 1] == 10 { return i }; i += 1 }
        return nil
    }

    static func headEnd(_ b: [UInt8]) -> Int? {
        var i = 0
        while i + 3 < b.count {
            if b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }
}
