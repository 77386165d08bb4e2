import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// `proxy_store` end to end: a whole 200 lands as a file under root (or the path given), with
/// `proxy_store_access`'s mode and the upstream's Last-Modified; anything else, and a cut answer, leaves
/// no file, and nothing stays in `proxy_temp_path`.
@Suite(.serialized) struct ProxyStoreTests {
    static func config(_ b: MockBackend) -> String {
        """
        server {
            listen 127.0.0.1:PORT;
            root store;
            proxy_temp_path temp;
            location /s/ { proxy_pass http://\(b.address)/; proxy_store on; proxy_store_access user:rw group:r all:r; }
            location /named/ { proxy_pass http://\(b.address)/; proxy_store $document_root/by-name/$arg_n.txt; }
        }
        """
    }

    /// The root exists, writable by the workers' user; the directories below it are the store's to make.
    static func fixture(_ b: MockBackend) throws -> Fixture {
        let f = try Fixture(http: config(b), files: ["store/.keep": ""])
        chmod(f.proxy.prefix + "/store", 0o777)
        return f
    }

    static func mode(_ path: String) -> UInt32? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt32(st.st_mode & 0o777) : nil
    }

    static func mtime(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_mtim.tv_sec) : nil
    }

    @Test func aWhole200IsStoredWithItsModeAndTime() throws {
        let backend = try MockBackend(name: "b") { req in
            if req.target.hasPrefix("/missing") { return MockResponse(status: 404, text: "no") }
            return MockResponse(headers: [("Last-Modified", "Sun, 06 Dec 2026 10:00:00 GMT")], text: "body of \(req.target)")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend)
        defer { f.proxy.stop() }
        let root = f.proxy.prefix + "/store"

        #expect(try f.get("/s/dir/page.html").text == "body of /dir/page.html")
        // The path root maps the URI to, its directory made on the way (search bits where read bits are).
        #expect((try? TempDir.read(root + "/s/dir/page.html")) == "body of /dir/page.html")
        #expect(Self.mode(root + "/s/dir/page.html") == 0o644)
        #expect(Self.mode(root + "/s/dir") == 0o755)
        #expect(Self.mtime(root + "/s/dir/page.html") == 1_796_551_200)

        #expect(try f.get("/named/x?n=seven").text == "body of /x?n=seven")
        #expect((try? TempDir.read(f.proxy.prefix + "/store/by-name/seven.txt")) == "body of /x?n=seven")
        #expect(Self.mode(f.proxy.prefix + "/store/by-name/seven.txt") == 0o600)   // the default access

        #expect(try f.get("/s/missing").status == 404)
        #expect(Self.mode(root + "/s/missing") == nil)
        let c = try f.client()
        try c.send("HEAD /s/head HTTP/1.0\r\nHost: h\r\n\r\n")
        #expect(try c.readResponse(method: .head).status == 200)
        #expect(Self.mode(root + "/s/head") == nil)   // a HEAD's answer has no body to store
        #expect(TempDir.names(in: f.proxy.prefix + "/temp").isEmpty)
    }

    @Test func aCutAnswerLeavesNoFile() throws {
        let gate = MockGate()
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(body: Array("first half ".utf8), hold: MockHold(gate: gate, rest: Array("second half".utf8)))
        }
        let f = try Self.fixture(backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /s/cut HTTP/1.0\r\nHost: h\r\n\r\n")
        #expect(eventually { TempDir.names(in: f.proxy.prefix + "/temp").count == 1 })   // being written
        backend.stop()   // the upstream goes away before the rest: the client's connection is closed
        _ = try? c.readResponse()   // cut short: the connection closes
        gate.open()
        #expect(eventually { TempDir.names(in: f.proxy.prefix + "/temp").isEmpty })
        #expect(Self.mode(f.proxy.prefix + "/store/s/cut") == nil)
    }

    /// What `c` reads until `marker` has arrived (or the connection ends, or the client's read timeout passes).
    static func read(_ c: TestClient, until marker: String) -> String {
        var got: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: got, as: UTF8.self).contains(marker) {
            let n = Glibc.read(c.fd, &chunk, chunk.count)
            if n <= 0 { break }
            got += chunk[0..<n]
        }
        return String(decoding: got, as: UTF8.self)
    }

    /// Closes `c` with a reset (SO_LINGER 0): a client gone, which the proxy tells from one that only closed
    /// its sending side (a FIN, after which proxy_store's request goes on).
    static func reset(_ c: TestClient) {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        c.close()
    }

    /// A client that goes away once the answer has started ends the exchange: the temp file is removed while
    /// the upstream still holds the rest, and nothing is stored. The client has the head and the first half
    /// before it resets: a plain close() would be a reset only if those bytes were already there unread, and
    /// a FIN (the close coming first) is a half-close that proxy_store's request outlives (README).
    @Test func aClientGoneLeavesNoFile() throws {
        let gate = MockGate()
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(body: Array("first half ".utf8), hold: MockHold(gate: gate, rest: Array("second half".utf8)))
        }
        defer { gate.open(); backend.stop() }
        let f = try Self.fixture(backend)
        defer { f.proxy.stop() }
        let temp = f.proxy.prefix + "/temp"
        let c = try f.client()
        try c.send("GET /s/gone HTTP/1.0\r\nHost: h\r\n\r\n")
        let start = Self.read(c, until: "first half ")
        #expect(start.hasPrefix("HTTP/1.1 200") && start.hasSuffix("\r\n\r\nfirst half "), "\(start)")
        #expect(TempDir.names(in: temp).count == 1)   // being written: made before the head went out
        Self.reset(c)
        // Gone with the gate still shut: removed by the aborted writer, not renamed by a commit.
        #expect(eventually { TempDir.names(in: temp).isEmpty })
        #expect(Self.mode(f.proxy.prefix + "/store/s/gone") == nil)
    }
}
