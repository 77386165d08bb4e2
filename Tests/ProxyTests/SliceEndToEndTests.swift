import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// `slice` end to end, against a backend that honours Range: the whole body, a range inside one slice and
/// across several, suffix and multiple ranges, a backend that ignores Range, an error, the ETag changing
/// mid-way (the response is cut), conditional requests, and proxy_cache storing each slice on its own.
@Suite(.serialized) struct SliceEndToEndTests {
    static let body = Array("0123456789abcdefghij".utf8)   // 20 bytes: slices of 4

    /// `bytes=S-E` → 206 with that part; `/whole` ignores Range; `/changing` gives another ETag from byte 8 on;
    /// `/shifted` answers every slice with the first one's range.
    static func backend() throws -> MockBackend {
        try MockBackend(name: "ranges") { req in
            let path = req.target.split(separator: "?").first.map(String.init) ?? req.target
            if path == "/missing" { return MockResponse(status: 404, headers: [("Content-Type", "text/plain")], text: "no") }
            let big = path == "/big"
            let content: [UInt8] = big ? (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) } : body
            let lm = "Mon, 01 Jan 2024 00:00:00 GMT"
            guard path != "/whole", let range = req.header("Range"), range.hasPrefix("bytes="),
                  let dash = range.firstIndex(of: "-"),
                  let start = Int(range[range.index(range.startIndex, offsetBy: 6)..<dash]),
                  let last = Int(range[range.index(after: dash)...]) else {
                return MockResponse(headers: [("Content-Type", "text/plain"), ("ETag", "\"v1\""), ("Last-Modified", lm)],
                                    body: content)
            }
            if start >= content.count {
                return MockResponse(status: 416, headers: [("Content-Range", "bytes */\(content.count)")], text: "")
            }
            let end = min(last + 1, content.count)
            let etag = path == "/changing" && start >= 8 ? "\"v2\"" : "\"v1\""
            let shown = path == "/shifted" ? "bytes 0-\(end - start - 1)/\(content.count)"
                : "bytes \(start)-\(end - 1)/\(content.count)"
            return MockResponse(status: 206, headers: [("Content-Type", "text/plain"), ("ETag", etag),
                                                       ("Last-Modified", lm), ("Content-Range", shown),
                                                       ("Accept-Ranges", "bytes")],
                                body: Array(content[start..<end]))
        }
    }

    func fixture(_ backend: MockBackend) throws -> Fixture {
        try Fixture(http: """
            proxy_cache_path cache keys_zone=slices:1m;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    slice 4;
                    proxy_pass http://\(backend.address);
                    proxy_set_header Range $slice_range;
                }
                location /cached/ {
                    slice 4;
                    proxy_pass http://\(backend.address)/;
                    proxy_cache slices;
                    proxy_cache_key $uri$is_args$args$slice_range;
                    proxy_cache_valid 200 206 1h;
                    proxy_set_header Range $slice_range;
                    add_header X-Cache-Status $upstream_cache_status;
                }
                location /plain/ { slice 4; proxy_pass http://\(backend.address)/; }
                location /big { slice 65536; proxy_pass http://\(backend.address); proxy_set_header Range $slice_range; }
            }
            """)
    }

    static func text(_ r: TestResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    @Test func theWholeBodyWithoutRange() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let r = try f.get("/file")
        #expect(r.status == 200)
        #expect(Self.text(r) == "0123456789abcdefghij")
        #expect(r.header("Content-Length") == "20")
        #expect(r.header("Content-Range") == nil)
        #expect(r.header("Accept-Ranges") == "bytes")
        #expect(r.header("ETag") == "\"v1\"")
        #expect(backend.requests == 5)   // 0-3 … 16-19
        // A HEAD gets the head only, from the first slice.
        let head = try f.raw("HEAD /file HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Content-Length: 20\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"))
    }

    @Test func rangesInsideAndAcrossSlices() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let inside = try f.get("/file", headers: ["Range": "bytes=5-6"])
        #expect(inside.status == 206)
        #expect(Self.text(inside) == "56")
        #expect(inside.header("Content-Range") == "bytes 5-6/20")
        #expect(inside.header("Accept-Ranges") == nil)
        #expect(backend.requests == 1)
        let across = try f.get("/file", headers: ["Range": "bytes=3-13"])
        #expect(across.status == 206)
        #expect(Self.text(across) == "3456789abcd")
        #expect(across.header("Content-Length") == "11")
        let open = try f.get("/file", headers: ["Range": "bytes=17-"])
        #expect(Self.text(open) == "hij")
        #expect(open.header("Content-Range") == "bytes 17-19/20")
        // A suffix range: the first slice is at 0, then the slices of the last bytes.
        let suffix = try f.get("/file", headers: ["Range": "bytes=-6"])
        #expect(suffix.status == 206)
        #expect(Self.text(suffix) == "efghij")
        // Several ranges: nginx's slice filter allows one, so the whole body.
        let many = try f.get("/file", headers: ["Range": "bytes=1-2,5-6"])
        #expect(many.status == 200)
        #expect(Self.text(many) == "0123456789abcdefghij")
        let beyond = try f.get("/file", headers: ["Range": "bytes=30-40"])
        #expect(beyond.status == 416)
        #expect(beyond.header("Content-Range") == "bytes */20")
        // A URI with an escaped space: the slices ask for it escaped, as nginx sends a subrequest's URI.
        let spaced = try f.get("/a%20file", headers: ["Range": "bytes=5-6"])
        #expect(Self.text(spaced) == "56")
        // Keep-alive holds across sliced answers.
        let c = try f.client()
        for _ in 0..<3 {
            try c.send("GET /file HTTP/1.1\r\nHost: h\r\nRange: bytes=2-9\r\n\r\n")
            let r = try c.readResponse()
            #expect(Self.text(r) == "23456789")
            #expect(r.header("Connection") == "keep-alive")
        }
    }

    @Test func conditionalRequests() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        #expect(try f.get("/file", headers: ["If-None-Match": "\"v1\""]).status == 304)
        #expect(try f.get("/file", headers: ["If-None-Match": "\"other\""]).status == 200)
        #expect(try f.get("/file", headers: ["If-Match": "\"other\""]).status == 412)
        let ifRange = try f.get("/file", headers: ["Range": "bytes=12-13", "If-Range": "\"v1\""])
        #expect(ifRange.status == 206)
        #expect(Self.text(ifRange) == "cd")
        let stale = try f.get("/file", headers: ["Range": "bytes=12-13", "If-Range": "\"v0\""])
        #expect(stale.status == 200)
        #expect(Self.text(stale) == "0123456789abcdefghij")
    }

    @Test func anAnswerThatIsNoSliceGoesThroughAsItIs() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let whole = try f.get("/whole")
        #expect(whole.status == 200)
        #expect(Self.text(whole) == "0123456789abcdefghij")
        let missing = try f.get("/missing")
        #expect(missing.status == 404)
        #expect(Self.text(missing) == "no")
    }

    @Test func sliceWithoutSliceRangeProxiesAsUsual() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        // nginx's filter starts only once $slice_range is evaluated: here the client's Range goes up as it is.
        let part = try f.get("/plain/file", headers: ["Range": "bytes=5-6"])
        #expect(part.status == 206)
        #expect(Self.text(part) == "56")
        let whole = try f.get("/plain/file")
        #expect(whole.status == 200)
        #expect(Self.text(whole) == "0123456789abcdefghij")
        #expect(backend.requests == 2)
        // Another method is proxied as usual too ($slice_range is empty: no Range goes up).
        let c = try f.client()
        try c.send("POST /file HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
        let posted = try c.readResponse()
        #expect(posted.status == 200)
        #expect(Self.text(posted) == "0123456789abcdefghij")
        #expect(backend.requests == 3)
    }

    @Test func aSliceThatDoesNotMatchCutsTheResponse() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        // The ETag changes at byte 8: nothing was sent yet (under 1,460 bytes), so the connection just closes.
        #expect(try f.raw("GET /changing HTTP/1.1\r\nHost: h\r\n\r\n") == "")
        #expect(f.logFile("logs/error.log", containing: "etag mismatch in slice response").contains("etag mismatch in slice response"))
        #expect(try f.raw("GET /shifted HTTP/1.1\r\nHost: h\r\n\r\n") == "")
        // nginx's text: the expected end counts from the answer's start.
        #expect(f.logFile("logs/error.log", containing: "unexpected range in slice response: 0-4, expected: 4-4")
                .contains("unexpected range in slice response: 0-4, expected: 4-4"))
        // The proxy goes on serving.
        #expect(Self.text(try f.get("/file", headers: ["Range": "bytes=0-1"])) == "01")
    }

    @Test func eachSliceIsCachedUnderItsOwnKey() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let first = try f.get("/cached/file", headers: ["Range": "bytes=5-6"])
        #expect(first.status == 206)
        #expect(Self.text(first) == "56")
        #expect(first.header("X-Cache-Status") == "MISS")
        #expect(backend.requests == 1)
        let again = try f.get("/cached/file", headers: ["Range": "bytes=4-7"])
        #expect(Self.text(again) == "4567")
        #expect(again.header("X-Cache-Status") == "HIT")
        #expect(backend.requests == 1)
        let whole = try f.get("/cached/file")
        #expect(whole.status == 200)
        #expect(Self.text(whole) == "0123456789abcdefghij")
        #expect(whole.header("X-Cache-Status") == "MISS")   // the first slice's: 0-3 was not stored yet
        #expect(backend.requests == 5)
        let cached = try f.get("/cached/file")
        #expect(Self.text(cached) == "0123456789abcdefghij")
        #expect(cached.header("X-Cache-Status") == "HIT")
        #expect(backend.requests == 5)
    }

    @Test func aClientThatGoesAwayMidwayStopsTheSlices() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        // Not read at all: the output fills, the slices pause, then the client closes under them.
        for _ in 0..<3 {
            let c = try f.client()
            try c.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
            var first = [UInt8](repeating: 0, count: 16)
            #expect(read(c.fd, &first, first.count) > 0)
            c.close()
        }
        let r = try f.get("/big", headers: ["Range": "bytes=299990-"])
        #expect(r.status == 206)
        #expect(r.body.count == 10)
        #expect(!f.errorLog().contains("[alert]"))
    }

    @Test func aLargeBodyStreamsThroughManySlices() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let expected: [UInt8] = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let r = try f.get("/big")
        #expect(r.status == 200)
        #expect(r.body == expected)
        #expect(backend.requests == 5)
        let part = try f.get("/big", headers: ["Range": "bytes=100000-200000"])
        #expect(part.status == 206)
        #expect(part.body == Array(expected[100_000...200_000]))
    }
}
