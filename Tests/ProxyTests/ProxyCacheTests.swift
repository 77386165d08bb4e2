import EventLoop
import Glibc
import HTTP1
import Synchronization
import SwitchyardTestSupport
import Testing

/// proxy_cache end to end: the real binary, a MockBackend, the cache on a temp directory.
@Suite(.serialized) struct ProxyCacheTests {
    /// A proxy caching everything under `/` into `dir`, with `X-Cache: $upstream_cache_status`.
    static func fixture(_ backend: MockBackend, dir: String, zone: String = "", extra: String = "") throws -> Fixture {
        try Fixture(http: """
            log_format cache "$uri $upstream_cache_status";
            proxy_cache_path \(dir) levels=1:2 keys_zone=one:1m \(zone);
            server {
                listen 127.0.0.1:PORT;
                access_log logs/cache.log cache;
                location /status { stub_status; }
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache one;
                    proxy_cache_key $uri;
                    proxy_cache_valid 200 1h;
                    add_header X-Cache $upstream_cache_status;
                    \(extra)
                }
            }
            """)
    }

    /// Entry files under a cache directory (levels=1:2).
    static func entries(_ dir: String) -> [String] {
        var out: [String] = []
        func walk(_ path: String, depth: Int) {
            guard let d = opendir(path) else { return }
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = withUnsafePointer(to: &e.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name == "." || name == ".." { continue }
                if depth < 2 { walk(path + "/" + name, depth: depth + 1) } else if !name.hasSuffix(".tmp") { out.append(path + "/" + name) }
            }
        }
        walk(dir, depth: 0)
        return out
    }

    /// The entry files once there are `count` of them (the commit follows the last byte sent), or after 5 s.
    static func entries(_ dir: String, count: Int) -> [String] {
        var found = entries(dir)
        for _ in 0..<500 where found.count != count {
            usleep(10_000)
            found = entries(dir)
        }
        return found
    }

    @Test(arguments: [false, true])
    func plainResponseIsAHitOnTheSecondRequest(chunked: Bool) throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Content-Type", "text/css")], body: Array("body of \(req.target)".utf8), chunked: chunked)
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        let first = try f.get("/a.css")
        #expect(first.status == 200 && first.text == "body of /a.css")
        #expect(first.header("X-Cache") == "MISS")
        let second = try f.get("/a.css")
        #expect(second.status == 200 && second.text == "body of /a.css")
        #expect(second.header("X-Cache") == "HIT")
        #expect(second.header("Content-Type") == "text/css")
        #expect(second.header("Content-Length") == "14")
        #expect(backend.requests == 1)
        #expect(Self.entries(dir, count: 1).count == 1)
        let log = f.logFile("logs/cache.log", containing: "/a.css HIT")
        #expect(log.contains("/a.css MISS\n/a.css HIT"))
    }

    @Test func setCookieResponseIsFetchedEveryTime() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Set-Cookie", "JSESSIONID=abc; Path=/")], text: "private")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        for _ in 0..<3 {
            let r = try f.get("/session.html")
            #expect(r.header("X-Cache") == "MISS")
            #expect(r.header("Set-Cookie") == "JSESSIONID=abc; Path=/")
        }
        #expect(backend.requests == 3)
    }

    /// nginx stores only what it buffers: under `proxy_buffering off`, or when the upstream says
    /// `X-Accel-Buffering: no`, every request goes upstream (a stream, server-sent events or a long poll, is not
    /// replayed to later clients); `X-Accel-Buffering: yes` under `off` buffers, so stores; proxy_ignore_headers
    /// X-Accel-Buffering ignores the field. switchyard stored them all.
    @Test func unbufferedAnswersAreNotStored() throws {
        let backend = try MockBackend(name: "b1") { req in
            let say = req.target.split(separator: "?").dropFirst().first.map(String.init)
            return MockResponse(headers: say.map { [("X-Accel-Buffering", $0)] } ?? [], text: "stream")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                proxy_cache one;
                proxy_cache_valid 200 1h;
                add_header X-Cache $upstream_cache_status;
                location /off/ { proxy_pass http://\(backend.address); proxy_buffering off; }
                location /on/ { proxy_pass http://\(backend.address); }
                location /ignoring/ { proxy_pass http://\(backend.address); proxy_ignore_headers X-Accel-Buffering; }
            }
            """)
        defer { f.proxy.stop() }
        func statuses(_ path: String) throws -> [String] {
            try (0..<2).map { _ in try f.get(path).header("X-Cache") ?? "none" }
        }
        #expect(try statuses("/off/a") == ["MISS", "MISS"])
        #expect(try statuses("/on/b?no") == ["MISS", "MISS"])
        #expect(try statuses("/on/c?NO") == ["MISS", "MISS"])
        #expect(try statuses("/off/d?yes") == ["MISS", "HIT"])
        #expect(try statuses("/on/e") == ["MISS", "HIT"])
        #expect(try statuses("/ignoring/f?no") == ["MISS", "HIT"])
        #expect(backend.requests == 9)
    }

    @Test func varyCookieIsNotSharedAcrossUsers() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Vary", "Cookie")], text: "for \(req.header("Cookie") ?? "-")")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        #expect(try f.get("/v", headers: ["Cookie": "u=1"]).text == "for u=1")
        let same = try f.get("/v", headers: ["Cookie": "u=1"])
        #expect(same.text == "for u=1" && same.header("X-Cache") == "HIT")
        let other = try f.get("/v", headers: ["Cookie": "u=2"])
        #expect(other.text == "for u=2" && other.header("X-Cache") == "MISS")
        #expect(backend.requests == 2)
    }

    @Test func rangeAndValidatorsAreNotSentUpstreamWhenCaching() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "0123456789") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        let r = try f.get("/r", headers: ["Range": "bytes=0-1", "If-None-Match": "\"x\""])
        #expect(r.status == 200 && r.text == "0123456789")
        let seen = try #require(backend.received.first)
        #expect(seen.header("Range") == nil && seen.header("If-None-Match") == nil)
    }

    /// Below `proxy_cache_min_uses` nothing will be stored: the request goes up with its Range and validators
    /// (nginx's NGX_HTTP_CACHE_SCARCE) and the 206 comes back as sent; once stored, the cache answers the Range.
    @Test func belowMinUsesARangeGoesUpAsItCame() throws {
        let backend = try MockBackend(name: "b1") { req in
            req.header("Range") == nil ? MockResponse(headers: [("Accept-Ranges", "bytes")], text: "SEE-THIS")
                : MockResponse(status: 206, headers: [("Content-Range", "bytes 4-7/8")], text: "THIS")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.fixture(backend, dir: dir, extra: "proxy_cache_min_uses 2;")
        defer { f.proxy.stop() }
        let ask = ["Range": "bytes=4-", "If-None-Match": "\"x\""]
        let scarce = try f.get("/m", headers: ask)
        #expect(scarce.status == 206 && scarce.text == "THIS" && scarce.header("X-Cache") == "MISS")
        #expect(backend.received.last?.header("Range") == "bytes=4-")
        #expect(backend.received.last?.header("If-None-Match") == "\"x\"")
        _ = try f.get("/m", headers: ask)   // the second use: fetched whole and stored
        #expect(backend.received.last?.header("Range") == nil)
        _ = Self.entries(dir, count: 1)
        let hit = try f.get("/m", headers: ["Range": "bytes=4-"])
        #expect(hit.status == 206 && hit.text == "THIS" && hit.header("X-Cache") == "HIT")
        #expect(backend.requests == 2)
    }

    @Test func entriesSurviveARestart() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "kept") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let first = try Self.fixture(backend, dir: dir)
        #expect(try first.get("/k.png").header("X-Cache") == "MISS")
        first.proxy.stop()
        let second = try Self.fixture(backend, dir: dir)
        defer { second.proxy.stop() }
        let r = try second.get("/k.png")
        #expect(r.text == "kept" && r.header("X-Cache") == "HIT")
        #expect(backend.requests == 1)
    }

    @Test func maxSizeEvictsTheLeastRecentlyUsed() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(body: [UInt8](repeating: 65, count: 1000)) }
        defer { backend.stop() }
        let dir = try TempDir.make()
        // Each entry takes one 4 KiB block: 16k holds four.
        let f = try Self.fixture(backend, dir: dir, zone: "max_size=16k")
        defer { f.proxy.stop() }
        for i in 1...6 { #expect(try f.get("/\(i)").header("X-Cache") == "MISS") }
        var left = Self.entries(dir).count
        for _ in 0..<500 where left > 4 {
            usleep(10_000)
            left = Self.entries(dir).count
        }
        #expect(left == 4)
        #expect(try f.get("/1").header("X-Cache") == "MISS")   // the oldest was evicted
        #expect(try f.get("/6").header("X-Cache") == "HIT")
    }

    @Test func cacheLockSendsOneRequestUpstreamForFiftyMisses() throws {
        let release = Atomic<Bool>(false)
        let backend = try MockBackend(name: "b1") { _ in
            for _ in 0..<1000 where !release.load(ordering: .acquiring) { usleep(10_000) }
            return MockResponse(text: "filled once")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_cache_lock on; proxy_cache_lock_timeout 30s;")
        defer { f.proxy.stop() }
        var clients: [TestClient] = []
        for _ in 0..<50 {
            let c = try f.client()
            try c.send("GET /hot.html HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(c)
        }
        // Every request reached the proxy before the fill may end: stub_status counts 50 requests besides its own.
        var seen = 0
        for polls in 1...500 {
            let text = (try? f.get("/status").text) ?? ""
            let counters = text.split(separator: "\n").dropFirst(2).first?.split(separator: " ").compactMap { Int($0) } ?? []
            seen = (counters.last ?? 0) - polls
            if seen >= 50 { break }
            usleep(10_000)
        }
        #expect(seen == 50)
        release.store(true, ordering: .releasing)
        var statuses: [String: Int] = [:]
        for c in clients {
            let r = try c.readResponse()
            #expect(r.text == "filled once")
            statuses[r.header("X-Cache") ?? "-", default: 0] += 1
        }
        #expect(backend.requests == 1)
        #expect(statuses == ["MISS": 1, "HIT": 49])
    }

    /// proxy_cache_lock_age lets one waiting request through each time the fill has gone on that long, as nginx:
    /// requests already waiting included, one lock age apart. A waiter was let through only when it arrived after
    /// the age (counted in whole seconds), so with a fill that hangs every waiter stayed until lock_timeout.
    @Test func lockAgeLetsAWaiterThroughEachLockAge() throws {
        let gate = MockGate()
        let arrivals = Mutex<[UInt64]>([])
        let backend = try MockBackend(name: "b1") { _ in
            arrivals.withLock { $0.append(Clock.monotonicNanos()) }
            return MockResponse(body: Array("fill".utf8), hold: MockHold(gate: gate, rest: Array("ed".utf8)))
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(),
                                 extra: "proxy_cache_lock on; proxy_cache_lock_age 500ms; proxy_cache_lock_timeout 30s;")
        defer { f.proxy.stop() }
        var clients: [TestClient] = []
        for i in 0..<4 {
            let c = try f.client()
            try c.send("GET /slow.html HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(c)
            if i == 0 { #expect(eventually { backend.requests == 1 }) }   // the fill began: the rest wait
        }
        #expect(eventually { backend.requests == 4 }, "\(backend.requests) upstream requests")
        let times = arrivals.withLock { $0 }
        for (a, b) in zip(times, times.dropFirst()) {
            #expect(b - a >= 400_000_000, "a waiter went up \((b - a) / 1_000_000) ms after the one before")
        }
        gate.open()
        for c in clients { #expect(try c.readResponse().text == "filled") }
    }

    /// A temp file that cannot be made (`use_temp_path=on`, a proxy_temp_path gone wrong) is named in the error
    /// line, as nginx names it; the line named the entry's final path, sending the operator to the wrong directory.
    /// The answer is still served, uncached.
    @Test func anUnwritableTempPathIsNamedInTheErrorLog() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "fresh") }
        defer { backend.stop() }
        let temp = try TempDir.make() + "/proxy_temp"
        let f = try Self.fixture(backend, dir: try TempDir.make(), zone: "use_temp_path=on", extra: "proxy_temp_path \(temp);")
        defer { f.proxy.stop() }
        // The directory was made at start; a file in its place now makes every temp file fail (20: Not a directory).
        try #require(rmdir(temp) == 0)
        try TempDir.write(temp, "not a directory")
        let r = try f.get("/a.html")
        #expect(r.status == 200 && r.text == "fresh" && r.header("X-Cache") == "MISS")
        let log = f.logFile("logs/error.log", containing: "not cached")
        #expect(log.contains("open() \"\(temp)/") && log.contains("failed (20: Not a directory), not cached"), "\(log)")
        #expect(try f.get("/a.html").header("X-Cache") == "MISS")
    }

    @Test func staleEntryServedWhenTheBackendIsDown() throws {
        // `X-Accel-Expires: @1` stores an entry that is already expired.
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("X-Accel-Expires", "@1")], text: "old news") }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_cache_use_stale error timeout http_502;")
        defer { f.proxy.stop() }
        #expect(try f.get("/s").header("X-Cache") == "MISS")
        let expired = try f.get("/s")
        #expect(expired.header("X-Cache") == "EXPIRED")
        backend.stop()
        let stale = try f.get("/s")
        #expect(stale.status == 200 && stale.text == "old news")
        #expect(stale.header("X-Cache") == "STALE")
    }

    @Test func corruptFileIsAMissWithAnErrorLine() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "good body") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        #expect(try f.get("/c.jpg").header("X-Cache") == "MISS")
        let file = try #require(Self.entries(dir, count: 1).first)
        #expect(truncate(file, 60) == 0)
        let r = try f.get("/c.jpg")
        #expect(r.status == 200 && r.text == "good body")
        #expect(r.header("X-Cache") == "MISS")
        #expect(backend.requests == 2)
        #expect(f.errorLog().contains("[error]"))
        #expect(f.errorLog().contains("is corrupt or truncated"))
        #expect(try f.get("/c.jpg").header("X-Cache") == "HIT")   // refilled
    }

    @Test func bypassSkipsTheCache() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "x") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_cache_bypass $arg_nocache;")
        defer { f.proxy.stop() }
        #expect(try f.get("/b").header("X-Cache") == "MISS")
        #expect(try f.get("/b?nocache=1").header("X-Cache") == "BYPASS")
        #expect(try f.get("/b").header("X-Cache") == "HIT")
        #expect(backend.requests == 2)
    }
}

extension ProxyCacheTests {
    @Test func unknownZoneIsAConfigurationError() throws {
        let error = #expect(throws: TestClientError.self) {
            _ = try Fixture(http: """
                server { listen 127.0.0.1:PORT; location / { proxy_pass http://127.0.0.1:9; proxy_cache nozone; } }
                """)
        }
        #expect(error?.description.contains("\"proxy_cache\" zone \"nozone\" is unknown") == true)
    }
}

extension ProxyCacheTests {
    /// The reference vhost's static location: cached, and `expires 30d` on MISS and HIT alike.
    @Test(arguments: [("expires 30d;", "max-age=2592000"), ("expires modified 1h;", "no-cache"), ("expires epoch;", "no-cache")])
    func expiresOnCachedResponses(directive: String, cacheControl: String) throws {
        // Last-Modified in 1994: `modified 1h` lies in the past, which nginx sends as no-cache.
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT")], text: "img")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: directive)
        defer { f.proxy.stop() }
        for expected in ["MISS", "HIT"] {
            let r = try f.get("/logo.png")
            #expect(r.header("X-Cache") == expected)
            #expect(r.header("Cache-Control") == cacheControl)
            #expect(r.header("Expires") != nil)
        }
        if directive == "expires modified 1h;" {
            #expect(try f.get("/logo.png").header("Expires") == "Sun, 06 Nov 1994 09:49:37 GMT")
        }
    }
}

extension ProxyCacheTests {
    /// `proxy_cache_valid`: the first line covering the status decides; a status no line covers is not stored.
    @Test(arguments: [
        ("proxy_cache_valid 200 1h;", 404, false),
        ("proxy_cache_valid 404 1m;", 404, true),
        ("proxy_cache_valid any 1m;", 500, true),
        ("proxy_cache_valid 5m;", 302, true),
        ("proxy_cache_valid 5m;", 404, false),
    ])
    func validDecidesWhichStatusesAreStored(valid: String, status: Int, cached: Bool) throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(status: status, text: "s") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://\(backend.address); proxy_cache one; \(valid)
                             add_header X-Cache $upstream_cache_status always; }
            }
            """)
        defer { f.proxy.stop() }
        _ = try f.get("/v")
        let second = try f.get("/v")
        #expect(second.status == status)
        #expect(second.header("X-Cache") == (cached ? "HIT" : "MISS"))
        #expect(backend.requests == (cached ? 1 : 2))
    }

    @Test func authorizationRequestsAreNotServedSharedEntries() throws {
        let backend = try MockBackend(name: "b1") { req in MockResponse(text: "for \(req.header("Authorization") ?? "anyone")") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        #expect(try f.get("/p").text == "for anyone")
        #expect(try f.get("/p").header("X-Cache") == "HIT")
        let authed = try f.get("/p", headers: ["Authorization": "Basic dTpw"])
        #expect(authed.text == "for Basic dTpw" && authed.header("X-Cache") == "MISS")
        #expect(try f.get("/p").text == "for anyone")   // the private answer was not stored
    }

    @Test func staleServedOnAnUpstream5xxWithUseStaleHTTP500() throws {
        let failing = Atomic<Bool>(false)
        let backend = try MockBackend(name: "b1") { _ in
            failing.load(ordering: .relaxed) ? MockResponse(status: 500, text: "broken")
                                             : MockResponse(headers: [("X-Accel-Expires", "@1")], text: "good")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_cache_use_stale http_500;")
        defer { f.proxy.stop() }
        #expect(try f.get("/x").text == "good")
        failing.store(true, ordering: .relaxed)
        let r = try f.get("/x")
        #expect(r.status == 200 && r.text == "good" && r.header("X-Cache") == "STALE")
    }

    /// A reload keeps the zone (same name and path): no second load of the disk, entries still HIT.
    @Test func reloadKeepsTheZone() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "r") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        _ = f.logFile("logs/error.log", containing: "zone \"one\" loaded")
        #expect(try f.get("/r").header("X-Cache") == "MISS")
        f.proxy.signal(SIGHUP)
        _ = f.logFile("logs/error.log", containing: "reconfigured")
        #expect(try f.get("/r").header("X-Cache") == "HIT")
        #expect(f.errorLog().components("zone \"one\" loaded") == 1)
    }
}

extension String {
    func components(_ needle: String) -> Int {
        var n = 0
        var rest = Substring(self)
        while let r = rest.range(of: needle) { n += 1; rest = rest[r.upperBound...] }
        return n
    }
}

extension ProxyCacheTests {
    /// The reference deployment gzips the css it caches: a HIT is compressed for a gzip client, plain otherwise.
    @Test func hitsAreGzippedLikeMisses() throws {
        let css = Array(String(repeating: "body { color: #123456; }\n", count: 200).utf8)
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("Content-Type", "text/css")], body: css) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            gzip on; gzip_min_length 1k; gzip_types text/css; gzip_vary on;
            proxy_cache_path \(try TempDir.make()) levels=1:2 keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://\(backend.address); proxy_cache one; proxy_cache_valid 200 1h;
                             add_header X-Cache $upstream_cache_status; }
            }
            """)
        defer { f.proxy.stop() }
        for expected in ["MISS", "HIT"] {
            let r = try f.get("/site.css", headers: ["Accept-Encoding": "gzip"])
            #expect(r.header("X-Cache") == expected)
            #expect(r.header("Content-Encoding") == "gzip")
            #expect(r.header("Vary") == "Accept-Encoding")
            #expect(try ProxyGzipTests.inflate(r.body) == css)
        }
        let plain = try f.get("/site.css")
        #expect(plain.header("X-Cache") == "HIT" && plain.header("Content-Encoding") == nil)
        #expect(plain.body == css && plain.header("Vary") == "Accept-Encoding")
        #expect(backend.requests == 1)
    }
}

extension ProxyCacheTests {
    /// `proxy_ignore_headers Set-Cookie` is the only way to cache such a response (the operator opts in).
    @Test func ignoredSetCookieIsCached() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("Set-Cookie", "theme=dark")], text: "t") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_ignore_headers Set-Cookie;")
        defer { f.proxy.stop() }
        #expect(try f.get("/t").header("X-Cache") == "MISS")
        #expect(try f.get("/t").header("X-Cache") == "HIT")
        #expect(backend.requests == 1)
    }

    @Test func noCacheKeepsTheResponseOutOfTheCache() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "n") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_no_cache $arg_nostore;")
        defer { f.proxy.stop() }
        #expect(try f.get("/n?nostore=1").header("X-Cache") == "MISS")
        #expect(try f.get("/n").header("X-Cache") == "MISS")   // the first answer was not stored
        #expect(try f.get("/n").header("X-Cache") == "HIT")
        #expect(backend.requests == 2)
    }
}

extension ProxyCacheTests {
    /// A cache that cannot be written (here its path is a file, as a full or broken disk would fail) still
    /// serves every response, logs `[error]`, and stores nothing.
    @Test func unwritableCacheStillServes() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "served anyway") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        try TempDir.write(dir + "/notadir", "x")
        let f = try Self.fixture(backend, dir: dir + "/notadir")
        defer { f.proxy.stop() }
        for _ in 0..<2 {
            let r = try f.get("/w")
            #expect(r.status == 200 && r.text == "served anyway" && r.header("X-Cache") == "MISS")
        }
        #expect(backend.requests == 2)
        let log = f.logFile("logs/error.log", containing: "not cached")
        #expect(log.contains("[error]") && log.contains("not cached"))
    }
}

extension ProxyCacheTests {
    /// `proxy_cache_revalidate on`: an expired entry is asked for with its validator; the backend's 304
    /// makes it fresh again (for proxy_cache_valid's hour), served whole as REVALIDATED, and the new
    /// lifetime is on disk (it survives a restart).
    @Test(arguments: [("ETag", "\"v1\"", "If-None-Match"),
                      ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT", "If-Modified-Since")])
    func revalidateTurnsA304IntoAFreshEntry(validator: String, value: String, conditional: String) throws {
        let backend = try MockBackend(name: "b1") { req in
            if req.header(conditional) == value { return MockResponse(status: 304, headers: [(validator, value)]) }
            return MockResponse(headers: [(validator, value), ("X-Accel-Expires", "@1")], text: "stored body")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.fixture(backend, dir: dir, extra: "proxy_cache_revalidate on;")
        #expect(try f.get("/rv").header("X-Cache") == "MISS")
        _ = Self.entries(dir, count: 1)
        let revalidated = try f.get("/rv")
        #expect(revalidated.status == 200 && revalidated.text == "stored body")
        #expect(revalidated.header("X-Cache") == "REVALIDATED")
        #expect(revalidated.header(validator) == value)
        #expect(backend.received.last?.header(conditional) == value)
        #expect(backend.received.first?.header(conditional) == nil)
        let hit = try f.get("/rv")
        #expect(hit.text == "stored body" && hit.header("X-Cache") == "HIT")
        #expect(backend.requests == 2)
        f.proxy.stop()
        let restarted = try Self.fixture(backend, dir: dir, extra: "proxy_cache_revalidate on;")
        defer { restarted.proxy.stop() }
        #expect(try restarted.get("/rv").header("X-Cache") == "HIT")
        #expect(backend.requests == 2)
    }

    /// Without `proxy_cache_revalidate` (or when the resource changed) the expired entry is fetched whole.
    @Test(arguments: [false, true])
    func changedOrUnrevalidatedEntriesAreFetchedAgain(revalidate: Bool) throws {
        let version = Atomic<Int>(1)
        let backend = try MockBackend(name: "b1") { req in
            let v = version.load(ordering: .relaxed)
            if req.header("If-None-Match") == "\"\(v)\"" { return MockResponse(status: 304) }
            return MockResponse(headers: [("ETag", "\"\(v)\""), ("X-Accel-Expires", v == 1 ? "@1" : "60")], text: "version \(v)")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: revalidate ? "proxy_cache_revalidate on;" : "")
        defer { f.proxy.stop() }
        #expect(try f.get("/c").text == "version 1")
        version.store(2, ordering: .relaxed)
        let second = try f.get("/c")
        #expect(second.text == "version 2" && second.header("X-Cache") == "EXPIRED")
        #expect(backend.received.last?.header("If-None-Match") == (revalidate ? "\"1\"" : nil))
        let third = try f.get("/c")
        #expect(third.text == "version 2" && third.header("X-Cache") == "HIT")
    }

    /// nginx caches an upstream error that `proxy_intercept_errors` answered with an error page, as its status:
    /// the next requests get the error page without going upstream until the error's validity ends; a bypassing
    /// request fetches again, and a good answer replaces the cached error.
    @Test func anInterceptedErrorIsCachedAsItsStatus() throws {
        let found = Atomic<Bool>(false)
        let backend = try MockBackend(name: "b1") { _ in
            found.load(ordering: .acquiring) ? MockResponse(text: "found") : MockResponse(status: 404, text: "missing")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache one;
                    proxy_cache_key $uri;
                    proxy_cache_valid any 1h;
                    proxy_cache_bypass $arg_bypass;
                    proxy_intercept_errors on;
                    error_page 404 = @fallback;
                    add_header X-Cache $upstream_cache_status;
                }
                location @fallback { add_header X-Cache $upstream_cache_status always; return 403 "fallback"; }
            }
            """)
        defer { f.proxy.stop() }
        let first = try f.get("/e")
        #expect(first.status == 403 && first.text == "fallback" && first.header("X-Cache") == "MISS")
        found.store(true, ordering: .releasing)
        let cached = try f.get("/e")
        #expect(cached.status == 403 && cached.text == "fallback" && cached.header("X-Cache") == "HIT")
        #expect(backend.requests == 1)
        let bypassed = try f.get("/e?bypass=1")
        #expect(bypassed.status == 200 && bypassed.text == "found" && bypassed.header("X-Cache") == "BYPASS")
        let after = try f.get("/e")
        #expect(after.status == 200 && after.text == "found" && after.header("X-Cache") == "HIT")
        #expect(backend.requests == 2)
    }

    /// `proxy_cache_use_stale updating` (or the entry's own `stale-while-revalidate`): while one request
    /// refreshes an expired entry, the others get the old one at once (UPDATING); then the new one is a HIT.
    @Test(arguments: [("proxy_cache_use_stale updating;", ""), ("", "stale-while-revalidate=4000000000")])
    func staleEntryAnswersWhileAnotherRequestUpdatesIt(directive: String, cacheControl: String) throws {
        let release = Atomic<Bool>(false)
        let calls = Atomic<Int>(0)
        let backend = try MockBackend(name: "b1") { _ in
            var headers = [("X-Accel-Expires", "@1")]
            if !cacheControl.isEmpty { headers.append(("Cache-Control", cacheControl)) }
            if calls.add(1, ordering: .relaxed).newValue == 1 { return MockResponse(headers: headers, text: "old") }
            for _ in 0..<1000 where !release.load(ordering: .acquiring) { usleep(10_000) }
            return MockResponse(headers: [("X-Accel-Expires", "60")], text: "new")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: directive)
        defer { f.proxy.stop() }
        #expect(try f.get("/u").text == "old")
        let updater = try f.client()
        try updater.send("GET /u HTTP/1.1\r\nHost: x\r\n\r\n")
        for _ in 0..<500 where backend.requests < 2 { usleep(10_000) }
        let meanwhile = try f.get("/u")
        #expect(meanwhile.text == "old" && meanwhile.header("X-Cache") == "UPDATING")
        release.store(true, ordering: .releasing)
        let updated = try updater.readResponse()
        #expect(updated.text == "new" && updated.header("X-Cache") == "EXPIRED")
        #expect(try f.get("/u").header("X-Cache") == "HIT")
        #expect(backend.requests == 2)
    }

    /// Without `use_stale updating`, a second request for an entry being refreshed goes upstream too.
    @Test func withoutUpdatingEveryExpiredRequestGoesUpstream() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("X-Accel-Expires", "@1")], text: "e") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        _ = try f.get("/e")
        #expect(try f.get("/e").header("X-Cache") == "EXPIRED")
        #expect(try f.get("/e").header("X-Cache") == "EXPIRED")
        #expect(backend.requests == 3)
    }

    /// An entry's `stale-if-error` serves it when the backend is down, with no `proxy_cache_use_stale`.
    @Test func staleIfErrorServesTheEntryWhenTheBackendFails() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("X-Accel-Expires", "@1"), ("Cache-Control", "stale-if-error=4000000000")], text: "fallback")
        }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        #expect(try f.get("/sie").header("X-Cache") == "MISS")
        backend.stop()
        let r = try f.get("/sie")
        #expect(r.status == 200 && r.text == "fallback" && r.header("X-Cache") == "STALE")
    }

    /// `proxy_cache_convert_head` on (default): a HEAD goes upstream as GET, the client gets the head only,
    /// and the stored entry answers the next GET. Off: HEAD goes upstream as HEAD; its headers-only entry
    /// answers HEADs, never a GET.
    @Test(arguments: [true, false])
    func convertHead(on: Bool) throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("Content-Type", "text/plain")], text: "full body") }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: on ? "" : "proxy_cache_convert_head off;")
        defer { f.proxy.stop() }
        func head() throws -> TestResponse {
            let c = try f.client()
            try c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n")
            return try c.readResponse(method: .head)
        }
        let first = try head()
        #expect(first.status == 200 && first.body.isEmpty && first.header("X-Cache") == "MISS")
        #expect(first.header("Content-Length") == "9")
        #expect(backend.received.last?.method == (on ? "GET" : "HEAD"))
        let second = try head()
        #expect(second.body.isEmpty && second.header("X-Cache") == "HIT" && second.header("Content-Length") == "9")
        let get = try f.get("/h")
        #expect(get.text == "full body" && get.header("X-Cache") == (on ? "HIT" : "MISS"))
        #expect(backend.requests == (on ? 1 : 2))
    }
}

extension ProxyCacheTests {
    /// `use_temp_path=on` (nginx's default) writes responses under proxy_temp_path first; off writes them
    /// beside the entry. A proxy_temp_path made unusable after the start (a file where the directory was) shows
    /// which one was used: the answer is served either way.
    @Test(arguments: [("use_temp_path=on", false), ("use_temp_path=off", true), ("", false)])
    func useTempPathDecidesWhereResponsesAreWritten(parameter: String, cached: Bool) throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "t") }
        defer { backend.stop() }
        let temp = try TempDir.make() + "/temp"
        let f = try Self.fixture(backend, dir: try TempDir.make(), zone: parameter, extra: "proxy_temp_path \(temp);")
        defer { f.proxy.stop() }
        #expect(rmdir(temp) == 0)   // made by the start, as nginx makes its temp paths
        try TempDir.write(temp, "not a directory\n")
        #expect(try f.get("/t").text == "t")
        let second = try f.get("/t")
        #expect(second.text == "t" && second.header("X-Cache") == (cached ? "HIT" : "MISS"))
        #expect(f.errorLog().contains("not cached") == !cached)
    }

    @Test(arguments: [("min_free=", "invalid min_free value \"min_free=\""),
                      ("use_temp_path=maybe", "invalid use_temp_path value \"use_temp_path=maybe\""),
                      ("min_free=1x", "invalid min_free value \"min_free=1x\"")])
    func badCachePathParametersAreConfigurationErrors(parameter: String, message: String) throws {
        let error = #expect(throws: TestClientError.self) {
            _ = try Fixture(http: """
                proxy_cache_path /tmp/never keys_zone=z:1m \(parameter);
                server { listen 127.0.0.1:PORT; }
                """)
        }
        #expect(error?.description.contains("[emerg]") == true)
        #expect(error?.description.contains(message) == true)
    }

    /// A HIT serves the stored entry while the backend's newer answer replaces it (the index's open entry is
    /// dropped on commit), and an evicted-then-refetched entry is read fresh from disk.
    @Test func hitsFollowUpdatesOfTheEntry() throws {
        let version = Atomic<Int>(1)
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("X-Accel-Expires", version.load(ordering: .relaxed) == 1 ? "@1" : "60")],
                         text: "v\(version.load(ordering: .relaxed))")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        #expect(try f.get("/h1").text == "v1")
        version.store(2, ordering: .relaxed)
        #expect(try f.get("/h1").text == "v2")
        for _ in 0..<3 {
            let r = try f.get("/h1")
            #expect(r.text == "v2" && r.header("X-Cache") == "HIT")
        }
    }
}

extension ProxyCacheTests {
    /// `proxy_cache_background_update on`: the request that finds the entry expired gets it at once (STALE)
    /// while the refresh runs on its own; requests meanwhile get UPDATING; the refreshed entry (a new body,
    /// or the old one confirmed by a 304 with `proxy_cache_revalidate`) is then a HIT.
    @Test(arguments: [false, true])
    func backgroundUpdateServesStaleAndRefreshesAlone(revalidate: Bool) throws {
        let release = Atomic<Bool>(false)
        let calls = Atomic<Int>(0)
        let backend = try MockBackend(name: "b1") { req in
            if calls.add(1, ordering: .relaxed).newValue == 1 {
                return MockResponse(headers: [("ETag", "\"old\""), ("X-Accel-Expires", "@1")], text: "old")
            }
            for _ in 0..<1000 where !release.load(ordering: .acquiring) { usleep(10_000) }
            if req.header("If-None-Match") == "\"old\"" { return MockResponse(status: 304, headers: [("X-Accel-Expires", "60")]) }
            return MockResponse(headers: [("X-Accel-Expires", "60")], text: "new")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: """
            proxy_cache_use_stale updating; proxy_cache_background_update on; \(revalidate ? "proxy_cache_revalidate on;" : "")
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/bg").text == "old")
        let stale = try f.get("/bg")   // answered while the backend still holds the refresh
        #expect(stale.text == "old" && stale.header("X-Cache") == "STALE")
        for _ in 0..<500 where backend.requests < 2 { usleep(10_000) }
        #expect(backend.received.last?.header("If-None-Match") == (revalidate ? "\"old\"" : nil))
        let meanwhile = try f.get("/bg")
        #expect(meanwhile.text == "old" && meanwhile.header("X-Cache") == "UPDATING")
        release.store(true, ordering: .releasing)
        var last = try f.get("/bg")
        for _ in 0..<500 where last.header("X-Cache") != "HIT" {
            usleep(10_000)
            last = try f.get("/bg")
        }
        #expect(last.header("X-Cache") == "HIT" && last.text == (revalidate ? "old" : "new"))
        #expect(backend.requests == 2)
    }

    /// A connection that closes after its STALE answer stays open until the update it started has ended, as nginx's
    /// (whose update is a subrequest of it): a client that reads to the end and asks again gets the refreshed entry.
    @Test func aClosingConnectionWaitsForItsBackgroundUpdate() throws {
        let release = Atomic<Bool>(false)
        let calls = Atomic<Int>(0)
        let backend = try MockBackend(name: "b1") { _ in
            if calls.add(1, ordering: .relaxed).newValue == 1 {
                return MockResponse(headers: [("X-Accel-Expires", "@1")], text: "old")
            }
            for _ in 0..<1000 where !release.load(ordering: .acquiring) { usleep(10_000) }
            return MockResponse(headers: [("X-Accel-Expires", "60")], text: "new")
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_cache_use_stale updating; proxy_cache_background_update on;")
        defer { f.proxy.stop() }
        #expect(try f.get("/bg").text == "old")
        let c = try f.client()
        try c.send("GET /bg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let stale = try c.readResponse()
        #expect(stale.text == "old" && stale.header("X-Cache") == "STALE")
        for _ in 0..<500 where backend.requests < 2 { usleep(10_000) }
        var p = pollfd(fd: c.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 0) == 0)   // the backend holds the update: no close yet
        release.store(true, ordering: .releasing)
        var byte: UInt8 = 0
        #expect(read(c.fd, &byte, 1) == 0)   // closed once the update has ended
        let after = try f.get("/bg")
        #expect(after.text == "new" && after.header("X-Cache") == "HIT")
    }

    /// A failed background update is logged; the stale entry keeps answering and the next request tries again.
    @Test func failedBackgroundUpdateLeavesTheStaleEntry() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("X-Accel-Expires", "@1")], text: "kept") }
        let f = try Self.fixture(backend, dir: try TempDir.make(),
                                 extra: "proxy_cache_use_stale updating; proxy_cache_background_update on;")
        defer { f.proxy.stop() }
        defer { backend.stop() }
        #expect(try f.get("/f").text == "kept")
        // The application fails from now on. Not stopped: a port it gave back could be taken by another test's
        // listener running in parallel, which would answer the update.
        backend.setHandler { _ in MockResponse(dropConnection: true) }
        for _ in 0..<2 {
            let r = try f.get("/f")
            #expect(r.text == "kept" && r.header("X-Cache") == "STALE")
            _ = f.logFile("logs/error.log", containing: "while updating the cache in the background")
        }
        let failure = f.errorLog().split(separator: "\n").first { $0.contains("while updating the cache in the background") }
        #expect(failure?.contains("[error]") == true && failure?.contains("upstream prematurely closed connection") == true,
                "\(f.errorLog())")
    }
}

extension ProxyCacheTests {
    /// An entry whose file a purge removed by hand is a miss within a second, as in nginx (which opens the file
    /// for each HIT): the new answer is fetched and stored. The entry, served from its open descriptor, stayed a
    /// HIT with its old body, and its disk space held, for as long as it was hot.
    @Test func anEntryWhoseFileWasRemovedIsAMiss() throws {
        let version = Atomic<Int>(1)
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "version \(version.load(ordering: .relaxed))") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        #expect(try f.get("/page").header("X-Cache") == "MISS")
        let hit = try f.get("/page")
        #expect(hit.header("X-Cache") == "HIT" && hit.text == "version 1")
        version.store(2, ordering: .relaxed)
        for path in Self.entries(dir) { unlink(path) }
        usleep(1_100_000)   // the file's presence is looked at once a second at most
        let purged = try f.get("/page")
        #expect(purged.header("X-Cache") == "MISS" && purged.text == "version 2")
        let again = try f.get("/page")
        #expect(again.header("X-Cache") == "HIT" && again.text == "version 2")
        #expect(Self.entries(dir).count == 1)
    }
}

extension ProxyCacheTests {
    /// A 204 is stored and served as the bodyless answer it is: one that says `Content-Length: 5` was stored
    /// with no body and then refused at every read as damaged (removed, fetched again, an error line each
    /// time), and a HIT on a plain 204 carried a `Content-Length: 0` no 204 may have (RFC 9110 §8.6); the
    /// upstream's own was relayed too, where nginx's header filter drops it.
    @Test(arguments: [false, true])
    func aNoContentAnswerIsCachedAndServedWithoutLength(_ statesALength: Bool) throws {
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(status: 204, headers: statesALength ? [("Content-Length", "5")] : [])
        }
        defer { backend.stop() }
        let f = try Self.fixture(backend, dir: try TempDir.make(), extra: "proxy_cache_valid any 1m;")
        defer { f.proxy.stop() }
        var seen: [String] = []
        for _ in 0..<3 {
            let raw = try f.raw("GET /nothing HTTP/1.0\r\n\r\n")
            #expect(raw.hasPrefix("HTTP/1.1 204 "), "\(raw)")
            let head = raw.lowercased()
            seen.append(head.contains("x-cache: hit") ? "HIT" : head.contains("x-cache: miss") ? "MISS" : "?")
            #expect(!head.contains("content-length"), "\(raw)")   // the MISS relays none either, as nginx
        }
        #expect(seen == ["MISS", "HIT", "HIT"])
        #expect(backend.requests == 1)
        #expect(!f.errorLog().contains("bad response header"), "\(f.errorLog())")
    }
}

extension ProxyCacheTests {
    /// A client that leaves while its answer is being stored (before the head, or in the middle of the body) does
    /// not cost the entry: the rest is read into the cache, as nginx reads on a response it caches, so a
    /// `proxy_cache_lock` waiter gets the entry and the server is asked once. The fill used to end with the client:
    /// the waiter went upstream itself, and so did every request after it.
    @Test(arguments: [false, true])
    func aFillGoesOnWhenItsClientLeaves(midBody: Bool) throws {
        let gate = MockGate()
        let release = Atomic<Bool>(false)
        let first = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        let rest = [UInt8](repeating: UInt8(ascii: "b"), count: 300_000)
        let backend = try MockBackend(name: "b1") { _ in
            if midBody { return MockResponse(body: first, hold: MockHold(gate: gate, rest: rest)) }
            for _ in 0..<1000 where !release.load(ordering: .acquiring) { usleep(10_000) }
            return MockResponse(body: first + rest)
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.fixture(backend, dir: dir, extra: "proxy_cache_lock on; proxy_cache_lock_timeout 30s;")
        defer { f.proxy.stop() }
        let leaving = try f.client()
        try leaving.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        if midBody { #expect(try leaving.readInterim() == 200) } else {
            #expect(eventually(seconds: 10) { backend.received.count == 1 })
        }
        let waiting = try f.client()
        try waiting.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        leaving.close()
        #expect(f.logFile("logs/cache.log", containing: "/big MISS").contains("/big MISS"))
        gate.open()
        release.store(true, ordering: .releasing)
        let r = try waiting.readResponse()
        #expect(r.status == 200 && r.body == first + rest)
        #expect(r.header("X-Cache") == "HIT")
        #expect(Self.entries(dir, count: 1).count == 1)
        #expect(backend.requests == 1)
    }
}
