import Deflate
import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// gzip on proxied responses, as nginx's gzip filter decides it.
@Suite(.serialized) struct ProxyGzipTests {
    static let page = Array(String(repeating: "<p>switchyard compresses like nginx</p>\n", count: 400).utf8)

    static func inflate(_ body: [UInt8]) throws -> [UInt8] {
        let inflater = try Inflater(format: .gzip)
        var out: [UInt8] = []
        _ = try body.withUnsafeBytes { try inflater.decode($0, into: &out) }
        return out
    }

    func fixture(_ backend: MockBackend, extra: String = "", level: Int = 6) throws -> Fixture {
        try Fixture(http: """
            gzip on;
            gzip_min_length 1k;
            gzip_comp_level \(level);
            gzip_types text/plain text/css;
            gzip_vary on;
            log_format g '$request $status $gzip_ratio';
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                location / { access_log logs/gzip.log g; proxy_pass http://\(backend.address); }
            }
            """)
    }

    @Test func compressesEligibleResponsesAndDecompressesToTheUpstreamBody() throws {
        let backend = try MockBackend(name: "b") { req in
            switch req.target {
            case "/chunked": return MockResponse(headers: [("Content-Type", "text/html")], body: Self.page, chunked: true)
            case "/small": return MockResponse(headers: [("Content-Type", "text/html")], text: "tiny")
            case "/png": return MockResponse(headers: [("Content-Type", "image/png")], body: Self.page)
            case "/encoded": return MockResponse(headers: [("Content-Type", "text/html"), ("Content-Encoding", "br")], body: Self.page)
            default: return MockResponse(headers: [("Content-Type", "text/html; charset=utf-8"), ("ETag", "\"v1\"")], body: Self.page)
            }
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let gz = ["Accept-Encoding": "gzip, deflate"]

        let r = try f.get("/page", headers: gz)
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("Content-Length") == nil)
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(r.header("Vary") == "Accept-Encoding")
        #expect(r.header("ETag") == "W/\"v1\"")          // a strong ETag becomes weak
        #expect(Array(r.body.prefix(3)) == [0x1f, 0x8b, 0x08])
        #expect(try Self.inflate(r.body) == Self.page)
        #expect(r.body.count < Self.page.count / 10)

        let chunked = try f.get("/chunked", headers: gz)
        #expect(chunked.header("Content-Encoding") == "gzip")
        #expect(try Self.inflate(chunked.body) == Self.page)

        let log = f.logFile("logs/gzip.log", containing: "/page")
        #expect(log.contains("GET /page HTTP/1.1 200 "))
        #expect(!log.contains("GET /page HTTP/1.1 200 -"))   // $gzip_ratio is set

        // Not compressed: refused, too short, wrong type, already encoded, HEAD, Range, via a proxy.
        let plain = try f.get("/page", headers: ["Accept-Encoding": "gzip;q=0"])
        #expect(plain.header("Content-Encoding") == nil && plain.body == Self.page)
        #expect(plain.header("Vary") == "Accept-Encoding")   // gzip_vary even when not compressing, as nginx
        #expect(try f.get("/small", headers: gz).header("Content-Encoding") == nil)
        #expect(try f.get("/png", headers: gz).header("Content-Encoding") == nil)
        #expect(try f.get("/encoded", headers: gz).header("Content-Encoding") == "br")
        #expect(try f.get("/page", headers: gz.merging(["Range": "bytes=0-9"]) { a, _ in a }).header("Content-Encoding") == nil)
        #expect(try f.get("/page", headers: gz.merging(["Via": "1.1 cdn"]) { a, _ in a }).header("Content-Encoding") == nil)
    }

    /// A HEAD gets the head its GET would (nginx's gzip header filter runs before the HEAD's body is dropped):
    /// `Content-Encoding: gzip`, `Vary`, a weak ETag, no length and no chunked framing; the connection stays
    /// usable for the next request.
    @Test func headGetsTheCompressedHead() throws {
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/plain"), ("ETag", "\"v1\"")], body: Self.page)
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("HEAD /page HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let head = try c.readResponse(method: .head)
        #expect(head.status == 200 && head.header("Content-Encoding") == "gzip")
        #expect(head.header("Vary") == "Accept-Encoding" && head.header("ETag") == "W/\"v1\"")
        #expect(head.header("Content-Length") == nil && head.header("Transfer-Encoding") == nil)
        try c.send("GET /page HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        #expect(try Self.inflate(try c.readResponse().body) == Self.page)
        // Without gzip from the client: the upstream's head, its length and Vary.
        try c.send("HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n")
        let plain = try c.readResponse(method: .head)
        #expect(plain.header("Content-Encoding") == nil && plain.header("Content-Length") == "\(Self.page.count)")
        #expect(plain.header("Vary") == "Accept-Encoding")
    }

    @Test func gzipProxiedAnyCompressesRequestsFromProxies() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip_proxied any;")
        defer { f.proxy.stop() }
        let r = try f.get("/", headers: ["Accept-Encoding": "gzip", "Via": "1.1 cdn"])
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(try Self.inflate(r.body) == Self.page)
    }

    @Test func http10ClientGetsCloseDelimitedGzip() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip_http_version 1.0;")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("Transfer-Encoding") == nil)
        #expect(try Self.inflate(r.body) == Self.page)
    }

    /// Accept-Encoding over several lines is one list (RFC 9110 §5.3): what the second line says counts, and a refusal
    /// by name on one line beats a wildcard on the other.
    @Test(arguments: [(["deflate", "gzip"], true), (["gzip;q=0", "*"], false), (["br", "*;q=0.5"], true), (["br"], false)])
    func acceptEncodingOverSeveralLines(lines: [String], compressed: Bool) throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n" + lines.map { "Accept-Encoding: \($0)\r\n" }.joined() + "\r\n")
        let r = try c.readResponse()
        #expect((r.header("Content-Encoding") == "gzip") == compressed)
        #expect(try (compressed ? Self.inflate(r.body) : r.body) == Self.page)
    }

    // MARK: - Static files (root / alias)

    static let bigText: String = {
        var s = ""
        var i = 0
        while s.utf8.count < 3 * 1024 * 1024 { s += "<tr><td>row \(i)</td><td>static and compressed</td></tr>\n"; i += 1 }
        return s
    }()

    func staticFixture(extra: String = "") throws -> Fixture {
        try Fixture(http: """
            types { text/html html; text/css css; image/png png; text/plain txt; }
            gzip on;
            gzip_min_length 1k;
            gzip_comp_level 1;
            gzip_buffers 4 16k;
            gzip_types text/css text/plain;
            gzip_vary on;
            log_format g '$request $status $body_bytes_sent $gzip_ratio';
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                location / { access_log logs/static.log g; root html; }
                location /old/ { expires -1; alias html/; }
            }
            """, files: ["html/page.html": String(decoding: Self.page, as: UTF8.self), "html/big.css": Self.bigText,
                         "html/small.txt": "tiny\n", "html/img.png": String(decoding: Self.page, as: UTF8.self)])
    }

    @Test func staticFilesAreStreamedThroughTheCompressor() throws {
        let f = try staticFixture()
        defer { f.proxy.stop() }
        let gz = ["Accept-Encoding": "gzip"]

        let plain = try f.get("/page.html")
        let etag = try #require(plain.header("ETag"))
        #expect(plain.header("Content-Encoding") == nil && plain.header("Vary") == "Accept-Encoding")

        let r = try f.get("/page.html", headers: gz)
        #expect(r.status == 200)
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(r.header("Content-Length") == nil && r.header("Accept-Ranges") == nil)
        #expect(r.header("Vary") == "Accept-Encoding")
        #expect(r.header("ETag") == "W/" + etag)
        #expect(r.header("Last-Modified") == plain.header("Last-Modified"))
        #expect(r.header("Content-Type") == "text/html")
        #expect(try Self.inflate(r.body) == Self.page)
        #expect(r.body.count < Self.page.count / 10)
        let log = f.logFile("logs/static.log", containing: "GET /page.html HTTP/1.1 200 \(r.body.count) ")
        #expect(!log.contains("GET /page.html HTTP/1.1 200 \(r.body.count) -"))   // $gzip_ratio set

        // 3 MiB: many file pieces, several event-loop turns; the whole file comes back byte for byte.
        let big = try f.get("/big.css", headers: gz)
        #expect(big.header("Content-Encoding") == "gzip")
        #expect(try Self.inflate(big.body) == Array(Self.bigText.utf8))

        // The weak ETag revalidates to a 304 without a body.
        let c = try f.client()
        try c.send("GET /page.html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: W/\(etag)\r\n\r\n")
        #expect(try c.readResponse().status == 304)
        // Keep-alive works after a compressed body (the chunked body ended properly).
        try c.send("GET /big.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let again = try c.readResponse()
        #expect(try Self.inflate(again.body) == Array(Self.bigText.utf8))
        try c.send("GET /page.html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        #expect(try Self.inflate(try c.readResponse().body) == Self.page)
    }

    @Test(arguments: [
        // (path, request headers, compressed?, status)
        ("/page.html", ["Accept-Encoding": "gzip;q=0"], false, 200),
        ("/page.html", [:], false, 200),
        ("/small.txt", ["Accept-Encoding": "gzip"], false, 200),         // shorter than gzip_min_length
        ("/img.png", ["Accept-Encoding": "gzip"], false, 200),           // not in gzip_types
        ("/page.html", ["Accept-Encoding": "gzip", "Range": "bytes=0-9"], false, 206),
        ("/page.html", ["Accept-Encoding": "gzip", "Via": "1.1 cdn"], false, 200),   // gzip_proxied off
        ("/old/page.html", ["Accept-Encoding": "gzip", "Via": "1.1 cdn"], false, 200),
        ("/page.html", ["Accept-Encoding": "gzip", "User-Agent": "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"], false, 200),
        ("/page.html", ["Accept-Encoding": "gzip", "User-Agent": "curl/8 BadBot"], false, 200),
        ("/page.html", ["Accept-Encoding": "x-gzip"], true, 200),
        ("/old/page.html", ["Accept-Encoding": "GZIP"], true, 200),
    ])
    func staticFileRules(path: String, headers: [String: String], compressed: Bool, status: Int) throws {
        let f = try staticFixture(extra: "gzip_disable msie6 \"badbot\";")
        defer { f.proxy.stop() }
        let r = try f.get(path, headers: headers)
        #expect(r.status == status)
        #expect((r.header("Content-Encoding") == "gzip") == compressed)
        if compressed {
            #expect(try Self.inflate(r.body) == Self.page)
        } else {
            #expect(r.header("Content-Length") == String(r.body.count))
            if status == 200 { #expect(r.body == (path.hasSuffix(".txt") ? Array("tiny\n".utf8) : Self.page)) }
        }
    }

    @Test func staticGzipProxiedExpiredAndHeadAndHTTP10() throws {
        let f = try staticFixture(extra: "gzip_proxied expired no_last_modified; gzip_http_version 1.0;")
        defer { f.proxy.stop() }
        let via = ["Accept-Encoding": "gzip", "Via": "1.1 cdn"]
        // `expires -1` sets an Expires in the past: `expired` allows it. Without Expires and Cache-Control,
        // nginx looks at Last-Modified: a static file has one, so `no_last_modified` refuses it.
        let old = try f.get("/old/page.html", headers: via)
        #expect(old.header("Content-Encoding") == "gzip")
        #expect(old.header("Cache-Control") == "no-cache")
        #expect(try Self.inflate(old.body) == Self.page)
        #expect(try f.get("/page.html", headers: via).header("Content-Encoding") == nil)

        // HEAD: the head a GET gets, as nginx (its gzip header filter runs before HEAD drops the body;
        // nginx-tests gzip.t "gzip head"): compressed, so no length, and not chunked either.
        let c = try f.client()
        try c.send("HEAD /page.html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let head = try c.readResponse(method: .head)
        #expect(head.header("Content-Encoding") == "gzip" && head.header("Content-Length") == nil)
        #expect(head.header("Transfer-Encoding") == nil && head.body.isEmpty)

        // HTTP/1.0: close-delimited, no chunked framing.
        let ten = try f.client()
        try ten.send("GET /big.css HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
        let r = try ten.readResponse()
        #expect(r.header("Content-Encoding") == "gzip" && r.header("Transfer-Encoding") == nil)
        #expect(r.header("Connection") == "close")
        #expect(try Self.inflate(r.body) == Array(Self.bigText.utf8))
    }

    // MARK: - Streaming: slow upstreams and huge bodies

    /// A slow upstream sends 2000 bytes and waits; the compressor must not hold them back. The test reads
    /// until those bytes decompress (no sleeps: the 20 ms idle flush is what delivers them), then lets the
    /// upstream finish and checks the whole body.
    @Test(arguments: [true, false])
    func aSlowUpstreamsFirstBytesReachTheClientBeforeItFinishes(chunked: Bool) throws {
        let first = Array(Self.page.prefix(2000)), rest = Array(Self.page.dropFirst(2000))
        let gate = MockGate()
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/plain")], body: first, chunked: chunked,
                         hold: MockHold(gate: gate, rest: rest))
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /slow HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let reader = try GzipResponseReader(fd: c.fd)
        #expect(reader.head.header("Content-Encoding") == "gzip")
        try reader.read(untilPlain: first.count)
        #expect(reader.plain == first)
        #expect(!reader.finished)            // the upstream has not finished: these came from a flush
        gate.open()
        try reader.read(untilPlain: Int.max)
        #expect(reader.finished)
        #expect(reader.plain == Self.page)
    }

    /// The bytes of a generated body at `offset`: 4 KiB blocks of text, each starting with its 10-digit number.
    static let block: [UInt8] = Array(String(repeating: "<p>generated on the fly, never held whole</p>\n", count: 90).utf8.prefix(4096))
    @Sendable static func generated(_ offset: Int, _ buffer: inout [UInt8]) {
        var i = 0
        while i < buffer.count {
            let p = offset + i, inBlock = p % 4096, n = min(4096 - inBlock, buffer.count - i)
            buffer.replaceSubrange(i..<(i + n), with: block[inBlock..<(inBlock + n)])
            var number = p / 4096, digit = 9
            while digit >= 0 {   // the block number's digits that fall inside this buffer
                if digit >= inBlock && digit < inBlock + n { buffer[i + digit - inBlock] = UInt8(48 + number % 10) }
                number /= 10; digit -= 1
            }
            i += n
        }
    }

    @Test func fiveHundredMebibytesThroughTheCompressorInConstantMemory() throws {
        let size = 500 * 1024 * 1024
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/plain")], stream: MockStream(length: size, fill: Self.generated))
        }
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip_buffers 4 16k;", level: 1)
        defer { f.proxy.stop() }
        let before = try ProxyStreamingTests.peakRSS(f.proxy.pid)

        let c = try f.client()
        try c.send("GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let reader = try GzipResponseReader(fd: c.fd, keepPlain: false)
        var expected = [UInt8](), mismatch: Int? = nil
        // Every decompressed byte is compared with the generator's, as it arrives; nothing is kept.
        reader.onPlain = { offset, bytes in
            if mismatch != nil { return }
            if expected.count != bytes.count { expected = [UInt8](repeating: 0, count: bytes.count) }
            Self.generated(offset, &expected)
            if expected.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) }) != 0 { mismatch = offset }
        }
        try reader.read(untilPlain: Int.max)
        #expect(reader.finished)             // zlib checked the trailer's CRC-32 and ISIZE
        #expect(reader.plainCount == size)
        #expect(mismatch == nil)
        #expect(reader.compressedCount < size / 20)
        let peak = try ProxyStreamingTests.peakRSS(f.proxy.pid)
        if ProxyProcess.residentSizeIsMeaningful {
            #expect(peak - before < 32 * 1024, "peak RSS grew from \(before) KiB to \(peak) KiB")
        }
    }
}

/// Reads one gzip-compressed response from a raw socket as it arrives: head, then chunked or close-delimited
/// body, decompressed piece by piece, so a test can look at the first bytes before the server has finished.
final class GzipResponseReader {
    let fd: Int32
    let head: TestResponseHead
    private var buffer: [UInt8] = []
    private var decoder: ChunkedDecoder?
    private let inflater: Inflater
    private let keepPlain: Bool
    private var out: [UInt8] = []
    private(set) var plain: [UInt8] = []
    private(set) var plainCount = 0
    private(set) var compressedCount = 0
    private(set) var finished = false
    /// Called with each run of decompressed bytes and its offset in the body.
    var onPlain: (Int, UnsafeRawBufferPointer) -> Void = { _, _ in }

    init(fd: Int32, keepPlain: Bool = true) throws {
        self.fd = fd
        self.keepPlain = keepPlain
        inflater = try Inflater(format: .gzip)
        var parser = ResponseHeadParser()
        var buf: [UInt8] = []
        while true {
            switch buf.withByteView({ parser.parse($0) }) {
            case .failed(let e): throw TestClientError("bad response head: \(e)")
            case .incomplete:
                if try !Self.recv(fd, into: &buf) { throw TestClientError("closed before a response head") }
            case .complete(let h, let consumed):
                head = TestResponseHead(head: h)
                buffer = Array(buf[consumed...])
                decoder = h.isChunked ? ChunkedDecoder() : nil
                return
            }
        }
    }

    /// Reads and decompresses until `count` plain bytes have arrived or the body ends.
    func read(untilPlain count: Int) throws {
        while true {
            try consumeBuffer()
            if finished || plainCount >= count { return }
            if try !Self.recv(fd, into: &buffer) {
                if decoder == nil { return }   // close-delimited: the end of the body
                throw TestClientError("closed mid-body")
            }
        }
    }

    private func consumeBuffer() throws {
        var gz: [UInt8] = []
        if var d = decoder {
            let (used, _) = try buffer.withByteView { try d.decode($0) { gz.append(contentsOf: $0) } }
            decoder = d
            buffer.removeFirst(used)
        } else {
            gz = buffer; buffer.removeAll()
        }
        if gz.isEmpty { return }
        compressedCount += gz.count
        out.removeAll(keepingCapacity: true)
        try gz.withUnsafeBytes { _ = try inflater.decode($0, into: &out) }
        out.withUnsafeBytes { onPlain(plainCount, $0) }
        plainCount += out.count
        if keepPlain { plain += out }
        finished = inflater.isFinished
    }

    /// One blocking recv (the client's socket has a receive timeout); false at EOF.
    private static func recv(_ fd: Int32, into buffer: inout [UInt8]) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw TestClientError("recv failed or timed out (errno \(errno))") }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }
}

/// A parsed response head with TestResponse's header lookup.
struct TestResponseHead {
    let head: ResponseHead
    func header(_ name: String) -> String? {
        head.firstHeader(Array(name.lowercased().utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
}
