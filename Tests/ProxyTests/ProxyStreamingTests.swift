import EventLoop
import Glibc
import Synchronization
import SwitchyardTestSupport
import Testing

/// Bodies stream through in bounded memory: the proxy never holds a whole large body.
@Suite(.serialized) struct ProxyStreamingTests {
    static let size = 100 * 1024 * 1024

    /// The proxy's peak resident memory (VmHWM) in KiB. Throws when /proc cannot tell: a memory check that
    /// cannot measure fails instead of passing.
    static func peakRSS(_ pid: pid_t) throws -> Int {
        let text = try TempDir.read("/proc/\(pid)/status")
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = Int(fields[1]), kib > 0 { return kib }
        }
        throw TestClientError("no VmHWM in /proc/\(pid)/status: \(text.prefix(200))")
    }

    @Test func hundredMebibytesDownAndUpInBoundedMemory() throws {
        let big = [UInt8](repeating: 0x61, count: Self.size)
        let backend = try MockBackend(name: "b") { req in
            req.method == "POST" ? MockResponse(text: "received \(req.body.count)") : MockResponse(body: big)
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_max_body_size 200m;
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let before = try Self.peakRSS(f.proxy.pid)

        let down = try f.get("/big")
        #expect(down.status == 200)
        #expect(down.body.count == Self.size)

        let c = try f.client()
        try c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: \(Self.size)\r\n\r\n")
        try c.send(big)
        #expect(try c.readResponse().text == "received \(Self.size)")

        let peak = try Self.peakRSS(f.proxy.pid)
        // 200 MiB crossed the proxy; its peak memory grew by a few buffers, not by a body.
        if ProxyProcess.residentSizeIsMeaningful {
            #expect(peak - before < 32 * 1024, "peak RSS grew from \(before) KiB to \(peak) KiB")
        }
    }

    @Test func errorPageServesAConfiguredPage() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                error_page 404 /404.html;
                error_page 502 =503 /busy.html;
                location / { root html; }
                location /dead { proxy_pass http://127.0.0.1:\(deadPort()); }
            }
            """, files: ["html/404.html": "custom not found\n", "html/busy.html": "busy\n"])
        defer { f.proxy.stop() }
        let missing = try f.get("/nothing-here")
        #expect(missing.status == 404)
        #expect(missing.text == "custom not found\n")
        let dead = try f.get("/dead")
        #expect(dead.status == 503)
        #expect(dead.text == "busy\n")
    }

    /// A chunked upload of 200 MiB with no size limit is spooled to a temp file (nginx's request buffering), sent
    /// upstream de-chunked with a Content-Length, and the proxy's memory does not grow with it.
    @Test func twoHundredMebibyteChunkedUploadIsSpooledInBoundedMemory() throws {
        let backend = try CountingBackend()
        let f = try Fixture(http: """
            client_max_body_size 0;
            client_body_temp_path spool 1 2;
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://127.0.0.1:\(backend.port); } }
            """)
        defer { f.proxy.stop() }
        let before = try Self.peakRSS(f.proxy.pid)
        let c = try f.client()
        try c.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array("100000\r\n".utf8) + [UInt8](repeating: 0x62, count: 1 << 20) + [13, 10]
        for _ in 0..<200 { try c.send(chunk) }
        try c.send("0\r\n\r\n")
        let r = try c.readResponse()
        backend.join()
        #expect(r.text == "received \(200 << 20) bytes, Content-Length \(200 << 20), Transfer-Encoding -")
        let peak = try Self.peakRSS(f.proxy.pid)
        if ProxyProcess.residentSizeIsMeaningful {
            #expect(peak - before < 32 * 1024, "peak RSS grew from \(before) KiB to \(peak) KiB")
        }
        // nginx's warning names the temp file: in the level directories, already unlinked.
        let log = f.logFile("logs/error.log", containing: "buffered to a temporary file")
        #expect(log.contains("[warn]"))
        #expect(log.contains("a client request body is buffered to a temporary file \(f.proxy.prefix)/spool/"))
        let leftovers = listTree(f.proxy.prefix + "/spool")
        #expect(!leftovers.isEmpty && leftovers.allSatisfy { $0.hasSuffix("/") }, "\(leftovers)")
    }

    /// A spooled body is rewindable: the first server fails after reading it, the next gets it whole.
    @Test(arguments: ["Content-Length", "chunked"])
    func spooledBodyIsResentToTheNextServer(_ framing: String) throws {
        let size = 3 << 20
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
        let failing = try MockBackend(name: "a") { _ in MockResponse(dropConnection: true) }
        let good = try MockBackend(name: "b") { req in MockResponse(text: "got \(req.body.count)") }
        defer { failing.stop(); good.stop() }
        let f = try Fixture(http: """
            client_max_body_size 10m;
            upstream pair { server \(failing.address); server \(good.address); }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://pair; proxy_next_upstream error; } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        if framing == "chunked" {
            try c.send("PUT /doc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            var i = 0
            while i < size {
                let n = min(100_000, size - i)
                try c.send(Array(String(n, radix: 16).utf8) + [13, 10] + body[i..<(i + n)] + [13, 10])
                i += n
            }
            try c.send("0\r\n\r\n")
        } else {
            try c.send("PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n")
            try c.send(body)
        }
        let r = try c.readResponse()
        #expect(r.text == "got \(size)")
        #expect(r.header("X-Backend") == "b")
        #expect(failing.received.map(\.body) == [body])
        #expect(good.received.map(\.body) == [body])
        #expect(good.received.first?.header("Content-Length") == "\(size)")
    }

    /// `proxy_request_buffering off`: with HTTP/1.1 a chunked body streams through re-chunked; an HTTP/1.0
    /// upstream needs a length, so the body is buffered and sent with one.
    @Test(arguments: [("1.1", "chunked", "-"), ("1.0", "-", "26")])
    func unbufferedChunkedBody(_ c: (String, String, String)) throws {
        let backend = try MockBackend(name: "b") { req in
            MockResponse(text: "\(String(decoding: req.body, as: UTF8.self)) te=\(req.header("Transfer-Encoding") ?? "-") cl=\(req.header("Content-Length") ?? "-")")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / {
                proxy_pass http://\(backend.address); proxy_request_buffering off; proxy_http_version \(c.0); } }
            """)
        defer { f.proxy.stop() }
        let client = try f.client()
        try client.send("POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        try client.send("a\r\nabcdefghij\r\n")
        try client.send("10\r\nklmnopqrstuvwxyz\r\n0\r\n\r\n")
        #expect(try client.readResponse().text == "abcdefghijklmnopqrstuvwxyz te=\(c.1) cl=\(c.2)")
    }

    /// A temp file that cannot be created is a 500 with nginx's [crit] line, never a crash; small bodies that fit
    /// `client_body_buffer_size` never touch the disk.
    @Test func unusableTempPathIs500() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: "got \(req.body.count)") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_body_buffer_size 1k;
            client_body_temp_path html/index.html;
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """, files: ["html/index.html": "not a directory\n"])
        defer { f.proxy.stop() }
        let small = try f.client()
        try small.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        try small.send([UInt8](repeating: 0x63, count: 1000))
        #expect(try small.readResponse().text == "got 1000")
        let big = try f.client()
        try big.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        try big.send("1000\r\n" + String(repeating: "d", count: 4096) + "\r\n0\r\n\r\n")
        #expect(try big.readResponse().status == 500)
        let log = f.logFile("logs/error.log", containing: "[crit]")
        #expect(log.contains("[crit]"))
        #expect(log.contains("open() \"\(f.proxy.prefix)/html/index.html/0"))
        #expect(log.contains("failed (20: Not a directory)"))
        #expect(backend.requests == 1)
    }
}

/// A backend for one request that counts the body instead of keeping it (a 200 MiB body would otherwise sit in
/// the test's memory), and answers with what it counted and the framing headers it saw.
final class CountingBackend: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private var thread: WorkerThread?

    init() throws {
        listenFD = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 8, reusePort: false)
        port = Socket.localAddress(listenFD)!.port
        let fd = listenFD
        thread = WorkerThread.spawn { CountingBackend.serveOne(fd) }
    }

    func join() { thread?.join(); thread = nil; Syscall.close(listenFD) }

    deinit { if thread != nil { join() } }

    private static func serveOne(_ listenFD: Int32) {
        var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 60_000) == 1, case .accepted(let fd, _) = Socket.accept(listenFD) else { return }
        defer { Syscall.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var head: [UInt8] = []
        var total = 0
        func read() -> Int {
            var w = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&w, 1, 60_000) == 1 else { return 0 }
            return buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
        }
        while true {
            let n = read()
            if n <= 0 { return }
            head += buffer[..<n]
            if let end = ByteSearch.find([13, 10, 13, 10], in: head) {
                total = head.count - end - 4
                head.removeSubrange((end + 2)...)
                break
            }
        }
        let text = String(decoding: head, as: UTF8.self).lowercased()
        func header(_ name: String) -> String {
            for line in text.split(separator: "\r\n") where line.hasPrefix(name + ":") {
                return String(line.dropFirst(name.count + 1).drop { $0 == " " })
            }
            return "-"
        }
        let length = Int(header("content-length")) ?? 0
        while total < length {
            let n = read()
            if n <= 0 { return }
            total += n
        }
        let body = "received \(total) bytes, Content-Length \(header("content-length")), Transfer-Encoding \(header("transfer-encoding"))"
        let out = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        _ = out.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
    }
}

private enum ByteSearch {
    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}

/// Every entry under `path`, relative, directories with a trailing "/".
private func listTree(_ path: String, relative: String = "") -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var out: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        if entry.pointee.d_type == UInt8(DT_DIR) {
            out.append(relative + name + "/")
            out += listTree(path + "/" + name, relative: relative + name + "/")
        } else {
            out.append(relative + name)
        }
    }
    return out
}
