import Glibc
import HTTP1
import Synchronization
import SwitchyardTestSupport
import Testing

/// `fastcgi_cache*`, `uwsgi_cache*` and `scgi_cache*` end to end: the proxy cache's machinery serving the CGI
/// family's answers, with nginx's CGI-side rules (a key is required; the client's validators and ranges are not
/// passed; a HEAD goes as it came).
@Suite(.serialized) struct CGICacheTests {
    /// A WordPress-style site: Debian's fastcgi_params, the cache key of the usual guides, `$skip_cache` from a
    /// cookie or an argument for bypass and no_cache.
    static func wordpress(_ app: MockFastCGIBackend, extra: String = "") throws -> Fixture {
        try Fixture(http: """
            fastcgi_cache_path cache levels=1:2 keys_zone=WORDPRESS:1m inactive=60m;
            fastcgi_cache_key "$scheme$request_method$host$request_uri";
            add_header X-Cache $upstream_cache_status always;
            map $cookie_wordpress_logged_in$arg_nocache $skip_cache { "" 0; default 1; }
            server {
                listen 127.0.0.1:PORT;
                server_name wp.example;
                location / {
                    include fastcgi_params;
                    fastcgi_pass \(app.address);
                    fastcgi_cache WORDPRESS;
                    fastcgi_cache_valid 200 301 302 1h;
                    fastcgi_cache_bypass $skip_cache;
                    fastcgi_no_cache $skip_cache;
                    \(extra)
                }
            }
            """, files: DebianFastCGIFiles.files)
    }

    @Test func missThenHitWithTheKeysVariables() throws {
        let calls = Atomic<Int>(0)
        let app = try MockFastCGIBackend { seen in
            let n = calls.add(1, ordering: .relaxed).newValue
            return .cgi(text: "page \(seen.param("REQUEST_URI") ?? "") #\(n)")
        }
        defer { app.stop() }
        let f = try Self.wordpress(app)
        defer { f.proxy.stop() }
        let miss = try f.get("/post/1")
        #expect(miss.status == 200 && miss.text == "page /post/1 #1" && miss.header("X-Cache") == "MISS")
        let hit = try f.get("/post/1")
        #expect(hit.text == "page /post/1 #1" && hit.header("X-Cache") == "HIT")
        #expect(hit.header("Age") != nil)
        // The key holds the host and the URI: another of either is another entry.
        #expect(try f.get("/post/2").text == "page /post/2 #2")
        #expect(try TestClient.get(port: f.port, "/post/1", host: "other.example").header("X-Cache") == "MISS")
        // And the method: a HEAD is its own entry (sent as HEAD), then a HIT without a body.
        let c = try f.client()
        defer { c.close() }
        try c.send("HEAD /post/1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let head = try c.readResponse(method: .head)
        #expect(head.status == 200 && head.body.isEmpty && head.header("X-Cache") == "MISS")
        #expect(app.requests.last?.param("REQUEST_METHOD") == "HEAD")
        try c.send("HEAD /post/1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let headHit = try c.readResponse(method: .head)
        #expect(headHit.body.isEmpty && headHit.header("X-Cache") == "HIT")
        #expect(app.requests.count == 4)
    }

    /// WordPress's logged-in cookie (or `?nocache`) goes to the application and is not stored.
    @Test func bypassAndNoCache() throws {
        let calls = Atomic<Int>(0)
        let app = try MockFastCGIBackend { _ in .cgi(text: "v\(calls.add(1, ordering: .relaxed).newValue)") }
        defer { app.stop() }
        let f = try Self.wordpress(app)
        defer { f.proxy.stop() }
        #expect(try f.get("/").text == "v1")
        let bypass = try f.get("/", headers: ["Cookie": "wordpress_logged_in=admin"])
        #expect(bypass.text == "v2" && bypass.header("X-Cache") == "BYPASS")
        #expect(try f.get("/").text == "v1")   // the bypassing answer was not stored
        #expect(try f.get("/fresh?nocache=1").header("X-Cache") == "BYPASS")
        #expect(try f.get("/fresh?nocache=1").text == "v4")
        #expect(app.requests.count == 4)
    }

    /// `fastcgi_cache_valid` per status: 200 and 404 each for their time, 500 not at all.
    @Test func validPerStatus() throws {
        let app = try MockFastCGIBackend { seen in
            switch seen.param("REQUEST_URI") ?? "" {
            case "/missing": .cgi(status: "404 Not Found", text: "no such page")
            case "/broken": .cgi(status: "500 Internal Server Error", text: "oops")
            default: .cgi(text: "fine")
            }
        }
        defer { app.stop() }
        let f = try Self.wordpress(app, extra: "fastcgi_cache_valid 404 1m;")
        defer { f.proxy.stop() }
        for path in ["/ok", "/missing", "/broken"] { _ = try f.get(path) }
        let missing = try f.get("/missing")
        #expect(missing.status == 404 && missing.text == "no such page" && missing.header("X-Cache") == "HIT")
        #expect(try f.get("/ok").header("X-Cache") == "HIT")
        let broken = try f.get("/broken")
        #expect(broken.status == 500 && broken.header("X-Cache") == "MISS")
        #expect(app.requests.count == 4)
    }

    /// Caching, the client's validators and ranges stay out of the application's params (the stored answer is
    /// the whole resource); `fastcgi_cache_revalidate` sends the entry's own as HTTP_IF_NONE_MATCH, and a 304
    /// makes the entry fresh again. Without the cache they pass.
    @Test func validatorsAndRevalidation() throws {
        let calls = Atomic<Int>(0)
        let app = try MockFastCGIBackend { seen in
            if calls.add(1, ordering: .relaxed).newValue > 1, seen.param("HTTP_IF_NONE_MATCH") == "\"v1\"" {
                return .cgi(status: "304 Not Modified", headers: [("X-Accel-Expires", "60")], body: [])
            }
            return .cgi(headers: [("Content-Type", "text/html"), ("ETag", "\"v1\""), ("X-Accel-Expires", "@1")],
                        text: "body v1")
        }
        defer { app.stop() }
        let f = try Self.wordpress(app, extra: "fastcgi_cache_revalidate on;")
        defer { f.proxy.stop() }
        let first = try f.get("/r", headers: ["If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT", "Range": "bytes=0-1"])
        #expect(first.status == 200 || first.status == 206)
        let sent = try #require(app.requests.first)
        #expect(sent.param("HTTP_IF_MODIFIED_SINCE") == nil && sent.param("HTTP_RANGE") == nil)
        let revalidated = try f.get("/r")
        #expect(revalidated.text == "body v1" && revalidated.header("X-Cache") == "REVALIDATED")
        #expect(app.requests.last?.param("HTTP_IF_NONE_MATCH") == "\"v1\"")
        #expect(try f.get("/r").header("X-Cache") == "HIT")
        #expect(app.requests.count == 2)
    }

    /// `fastcgi_cache_use_stale error`: a dead application, and the expired entry answers.
    @Test func staleEntryWhenTheApplicationIsDown() throws {
        let app = try MockFastCGIBackend { _ in
            .cgi(headers: [("Content-Type", "text/html"), ("X-Accel-Expires", "@1")], text: "old news")
        }
        let f = try Self.wordpress(app, extra: "fastcgi_cache_use_stale error timeout http_500;")
        defer { f.proxy.stop() }
        #expect(try f.get("/s").header("X-Cache") == "MISS")
        #expect(try f.get("/s").header("X-Cache") == "EXPIRED")
        app.stop()
        let stale = try f.get("/s")
        #expect(stale.status == 200 && stale.text == "old news" && stale.header("X-Cache") == "STALE")
        #expect(try f.get("/t").status == 502)   // nothing stored for this one
    }

    /// `fastcgi_cache_background_update`: the refresh speaks FastCGI on its own connection.
    @Test func backgroundUpdateSpeaksFastCGI() throws {
        let calls = Atomic<Int>(0)
        let app = try MockFastCGIBackend { _ in
            if calls.add(1, ordering: .relaxed).newValue == 1 {
                return .cgi(headers: [("Content-Type", "text/html"), ("X-Accel-Expires", "@1")], text: "old")
            }
            return .cgi(headers: [("Content-Type", "text/html"), ("X-Accel-Expires", "60")], text: "new")
        }
        defer { app.stop() }
        let f = try Self.wordpress(app, extra: "fastcgi_cache_use_stale updating; fastcgi_cache_background_update on;")
        defer { f.proxy.stop() }
        #expect(try f.get("/bg").text == "old")
        let stale = try f.get("/bg")
        #expect(stale.text == "old" && stale.header("X-Cache") == "STALE")
        var last = try f.get("/bg")
        for _ in 0..<500 where last.header("X-Cache") != "HIT" {
            usleep(10_000)
            last = try f.get("/bg")
        }
        #expect(last.header("X-Cache") == "HIT" && last.text == "new")
        #expect(app.requests.count == 2 && app.requests.last?.param("REQUEST_METHOD") == "GET")
    }

    /// uwsgi and SCGI: the same cache; an answer cut short of its Content-Length is not stored.
    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func uwsgiAndSCGIAnswersAreCached(wire: MockCGIStreamBackend.Wire) throws {
        let calls = Atomic<Int>(0)
        let app = try MockCGIStreamBackend(wire) { seen in
            let n = calls.add(1, ordering: .relaxed).newValue
            if seen.value("REQUEST_URI") == "/unfinished" {
                return CGIStreamReply(bytes: Array("Content-Length: 10\r\nContent-Type: text/html\r\n\r\nshort".utf8))
            }
            return .cgi(headers: [("Content-Type", "text/plain"), ("Cache-Control", "max-age=300")], text: "answer \(n)")
        }
        defer { app.stop() }
        let p = wire == .uwsgi ? "uwsgi" : "scgi"
        let f = try Fixture(http: """
            \(p)_cache_path cache keys_zone=one:1m;
            \(p)_cache_key $request_uri;
            add_header X-Cache $upstream_cache_status;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    \(p)_param REQUEST_URI $request_uri;
                    \(p)_pass \(app.address);
                    \(p)_cache one;
                }
            }
            """)
        defer { f.proxy.stop() }
        let miss = try f.get("/a")
        #expect(miss.text == "answer 1" && miss.header("X-Cache") == "MISS")
        let hit = try f.get("/a")
        #expect(hit.text == "answer 1" && hit.header("X-Cache") == "HIT")
        _ = try? f.get("/unfinished")
        _ = try? f.get("/unfinished")
        #expect(app.requests.count == 3)
    }

    /// `fastcgi_cache $variable` chooses among the FastCGI zones; a proxy_cache_path zone is not one of them
    /// (nginx's `cache "…" not found` and a 500).
    @Test func zoneChosenPerRequest() throws {
        let app = try MockFastCGIBackend { _ in .cgi(text: "chosen") }
        defer { app.stop() }
        let f = try Fixture(http: """
            fastcgi_cache_path one keys_zone=one:1m;
            fastcgi_cache_path two keys_zone=two:1m;
            proxy_cache_path pz keys_zone=pz:1m;
            fastcgi_cache_key $request_uri;
            fastcgi_cache_valid 200 1m;
            add_header X-Cache $upstream_cache_status always;
            server {
                listen 127.0.0.1:PORT;
                location / { fastcgi_pass \(app.address); fastcgi_cache $arg_z; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/?z=one").header("X-Cache") == "MISS")
        #expect(try f.get("/?z=one").header("X-Cache") == "HIT")
        #expect(try f.get("/?z=two").header("X-Cache") == "MISS")
        #expect(try f.get("/?z=pz").status == 500)
        #expect(f.errorLog().contains("cache \"pz\" not found"))
        #expect(app.requests.count == 2)
    }

    /// `-t`: nginx's messages for the cache's configuration errors.
    @Test(arguments: [
        ("fastcgi_cache_path cache keys_zone=one:1m;", "location / { fastcgi_cache two; fastcgi_cache_key $uri; }",
         "\"fastcgi_cache\" zone \"two\" is unknown"),
        ("proxy_cache_path cache keys_zone=one:1m;", "location / { scgi_cache one; scgi_cache_key $uri; }",
         "the shared memory zone \"one\" is already declared for a different use"),
        ("uwsgi_cache_path a keys_zone=one:1m; uwsgi_cache_path b keys_zone=one:1m;", "", "duplicate zone \"one\""),
        ("proxy_cache_path a keys_zone=one:1m; fastcgi_cache_path b keys_zone=one:1m;", "",
         "the shared memory zone \"one\" is already declared for a different use"),
        ("scgi_cache_path a levels=1:2;", "", "\"scgi_cache_path\" must have \"keys_zone\" parameter"),
        ("", "location / { uwsgi_cache_valid 200 forever; }", "invalid time value \"forever\""),
        ("", "location / { fastcgi_cache_use_stale sometimes; }", "invalid value \"sometimes\""),
        ("", "location / { fastcgi_store on; }", "\"fastcgi_store\" directive is not supported: switchyard does not store FastCGI responses"),
        ("", "location / { fastcgi_cache_convert_head on; }", "unknown directive \"fastcgi_cache_convert_head\""),
    ])
    func configurationErrors(http: String, server: String, message: String) throws {
        let (status, stderr, _) = try ProxyProcess.test(config: """
            events {}
            http { \(http)
            server { listen 127.0.0.1:1; \(server) } }
            """)
        #expect(status != 0)
        #expect(stderr.contains("[emerg]") && stderr.contains(message), "\(stderr)")
    }

    /// A configuration that caches nothing with the CGI modules loads as it did, and one key at http level
    /// with the zone set at server level is enough (nginx's fastcgi_merge_params.t layout).
    @Test func keyAndZoneInheritDown() throws {
        let app = try MockFastCGIBackend { seen in .cgi(text: "x=\(seen.param("HTTP_X_BLAH") ?? "")") }
        defer { app.stop() }
        let f = try Fixture(http: """
            fastcgi_cache_path cache keys_zone=NAME:1m;
            fastcgi_cache_key stub;
            fastcgi_cache_valid 200 1m;
            fastcgi_param HTTP_X_BLAH blah;
            server {
                listen 127.0.0.1:PORT;
                fastcgi_cache NAME;
                location / { fastcgi_pass \(app.address); }
                location /no/ { fastcgi_pass \(app.address); fastcgi_cache off; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/", headers: ["If-Modified-Since": "blah"]).text == "x=blah")
        #expect(app.requests.last?.param("HTTP_IF_MODIFIED_SINCE") == nil)
        #expect(try f.get("/other").text == "x=blah")   // key `stub`: one entry for all
        #expect(app.requests.count == 1)
        _ = try f.get("/no/", headers: ["If-Modified-Since": "blah"])
        #expect(app.requests.last?.param("HTTP_IF_MODIFIED_SINCE") == "blah")
    }

    /// `fastcgi_cache` without `fastcgi_cache_key` loads with nginx's `[warn]`, and then, as in nginx, every
    /// response is stored under the empty key: the first one answers every URI.
    @Test func aMissingKeyWarnsAndKeysEverythingAlike() throws {
        let (status, stderr, _) = try ProxyProcess.test(config: """
            events {}
            http { fastcgi_cache_path cache keys_zone=one:1m;
            server { listen 127.0.0.1:1; location / { fastcgi_pass 127.0.0.1:9000; fastcgi_cache one; } } }
            """)
        #expect(status == 0 && stderr.contains("[warn] no \"fastcgi_cache_key\" for \"fastcgi_cache\""), "\(stderr)")
        let app = try MockFastCGIBackend { seen in .cgi(text: "uri=\(seen.param("REQUEST_URI") ?? "")") }
        defer { app.stop() }
        let f = try Fixture(http: """
            fastcgi_cache_path cache keys_zone=NAME:1m;
            server {
                listen 127.0.0.1:PORT;
                location / { fastcgi_pass \(app.address); fastcgi_cache NAME; fastcgi_cache_valid 200 1m;
                             fastcgi_param REQUEST_URI $request_uri; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/a").text == "uri=/a")
        #expect(try f.get("/b").text == "uri=/a")
        #expect(app.requests.count == 1)
    }
}
