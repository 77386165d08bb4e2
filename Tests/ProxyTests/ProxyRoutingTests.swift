import Glibc
import SwitchyardTestSupport
import Testing

/// Server and location selection, rewrites, static files, logs, status.
@Suite(.serialized) struct ProxyRoutingTests {
    @Test func serverNamesAndLocationsFollowNginxPrecedence() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT default_server; server_name _; location / { return 200 "default"; } }
            server { listen 127.0.0.1:PORT; server_name www.example.com; location / { return 200 "exact"; } }
            server { listen 127.0.0.1:PORT; server_name *.example.com; location / { return 200 "wild-front"; } }
            server { listen 127.0.0.1:PORT; server_name www.example.*; location / { return 200 "wild-back"; } }
            server { listen 127.0.0.1:PORT; server_name ~^api\\d+\\.test$;
                location = / { return 200 "loc-exact"; }
                location / { return 200 "loc-root"; }
                location /docs/ { return 200 "loc-docs"; }
                location ^~ /images/ { return 200 "loc-images-prefix"; }
                location ~* \\.(gif|jpg)$ { return 200 "loc-regex"; }
            }
            """)
        defer { f.proxy.stop() }
        func get(_ host: String, _ path: String) throws -> String {
            try TestClient.get(port: f.port, path, host: host).text
        }
        #expect(try get("www.example.com", "/") == "exact")
        #expect(try get("mail.example.com", "/") == "wild-front")
        #expect(try get("www.example.org", "/") == "wild-back")
        #expect(try get("unknown.test", "/") == "default")
        #expect(try get("api7.test", "/") == "loc-exact")
        #expect(try get("api7.test", "/index.html") == "loc-root")
        #expect(try get("api7.test", "/docs/a.html") == "loc-docs")
        #expect(try get("api7.test", "/docs/a.gif") == "loc-regex")
        #expect(try get("api7.test", "/images/a.gif") == "loc-images-prefix")
    }

    @Test func rewriteReturnAndSet() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: req.target) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /old/ { rewrite ^/old/(.*)$ /new/$1 last; }
                location /new/ { proxy_pass http://\(backend.address); }
                location /moved { rewrite ^ /elsewhere permanent; }
                location /app/ { proxy_pass http://\(backend.address)/inner/; }
                location /var { set $who "w$arg_id"; return 200 "$who $uri $args"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/old/page?x=1").text == "/new/page?x=1")
        let moved = try f.get("/moved")
        #expect(moved.status == 301)
        #expect(moved.header("Location")?.hasSuffix("/elsewhere") == true)
        #expect(try f.get("/app/a/b").text == "/inner/a/b")
        #expect(try f.get("/var?id=7").text == "w7 /var id=7")
    }

    /// The URI sent for a proxy_pass with a URI part: that part as written, then the rest of `$uri` escaped with
    /// nginx's NGX_ESCAPE_URI (`"<>\\^`{|}` too, which went decoded) when the client's path came percent-encoded
    /// or the request is internal; otherwise the bytes the client sent, as they came (they were escaped, and a
    /// `%` written in the URI part became `%25`). A regex location's capture in proxy_pass goes decoded, as nginx
    /// sends it.
    @Test func proxyPassURIIsEscapedAsNginxEscapesIt() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: req.target) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /api/ { proxy_pass http://\(backend.address)/hdr/; }
                location /pc/ { proxy_pass http://\(backend.address)/x%20y/; }
                location /p2/ { rewrite ^/p2/(.*)$ /hdr/$1 break; proxy_pass http://\(backend.address); }
                location /ln/ { rewrite ^/ln/(.*)$ /api/$1 last; }
                location ~ ^/re/(.*)$ { proxy_pass http://\(backend.address)/hdr/$1; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/api/a%3Cb%7B%7C%7D%5C%5E%60%22").text == "/hdr/a%3Cb%7B%7C%7D%5C%5E%60%22")
        #expect(try f.get("/api/a%20b%3Fc%23d%25").text == "/hdr/a%20b%3Fc%23d%25")
        #expect(try f.get("/api/a\"b{c}").text == "/hdr/a\"b{c}")   // sent raw, goes raw
        #expect(try f.get("/ln/a\"b").text == "/hdr/a%22b")           // internal after the rewrite: escaped
        #expect(try f.get("/pc/z").text == "/x%20y/z")
        #expect(try f.get("/p2/a%3Cb").text == "/hdr/a%3Cb")
        #expect(try f.get("/re/a%3Cb").text == "/hdr/a<b")
    }

    /// A redirect to a named location keeps the request's URI, so proxy_pass without a URI part there sends the
    /// client's request-target as it came, as nginx does (it keeps valid_unparsed_uri): `try_files $uri @app`
    /// sent `$uri` re-escaped, with merged slashes and `%7E` as `~`.
    @Test func aNamedLocationProxiesTheClientsURI() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: req.target) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /tf/ { try_files /nope @app; }
                location /rw/ { rewrite ^/rw/(.*)$ /tf/$1 break; try_files /nope @app; }
                location @app { proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/tf/a//b%7E%3C?x=1").text == "/tf/a//b%7E%3C?x=1")
        #expect(try f.get("/rw/a//b?x=1").text == "/tf/a/b?x=1")   // a rewrite replaced it before
    }

    @Test func staticFilesWithValidatorsAndRanges() throws {
        let f = try Fixture(http: """
            types { text/html html; text/css css; }
            default_type application/octet-stream;
            server { listen 127.0.0.1:PORT; location / { root html; } }
            """, files: ["html/index.html": "<h1>hi</h1>\n", "html/a.css": "0123456789"])
        defer { f.proxy.stop() }
        let r = try f.get("/")
        #expect(r.status == 200)
        #expect(r.text == "<h1>hi</h1>\n")
        #expect(r.header("Content-Type") == "text/html")
        let etag = try #require(r.header("ETag"))
        #expect(try f.get("/", headers: ["If-None-Match": etag]).status == 304)
        let lm = try #require(r.header("Last-Modified"))
        #expect(try f.get("/", headers: ["If-Modified-Since": lm]).status == 304)
        let part = try f.get("/a.css", headers: ["Range": "bytes=2-5"])
        #expect(part.status == 206)
        #expect(part.text == "2345")
        #expect(part.header("Content-Range") == "bytes 2-5/10")
        #expect(try f.get("/a.css", headers: ["Range": "bytes=50-"]).status == 416)
        #expect(try f.get("/missing.css").status == 404)
    }

    @Test func accessLogInMainAndCombinedFormats() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            log_format main '$http_x_forwarded_for $remote_addr $remote_user [$time_local] "$request" '
                            '$status $body_bytes_sent "$http_referer" '
                            '"$http_user_agent" "$http_cookie" $host $request_time';
            server {
                listen 127.0.0.1:PORT;
                location /m { access_log logs/main.log main; proxy_pass http://\(backend.address); }
                location /c { access_log logs/combined.log; return 204; }
            }
            """)
        defer { f.proxy.stop() }
        _ = try f.get("/m", headers: ["User-Agent": "t/1", "Cookie": "JSESSIONID=abc.tomcat1"])
        _ = try f.get("/c", headers: ["Referer": "http://r/"])
        let main = f.logFile("logs/main.log", containing: "\n")
        #expect(main.hasPrefix("- 127.0.0.1 - ["))
        #expect(main.contains("\"GET /m HTTP/1.1\" 200 2 \"-\" \"t/1\" \"JSESSIONID=abc.tomcat1\" localhost "))
        let combined = f.logFile("logs/combined.log", containing: "\n")
        #expect(combined.hasPrefix("127.0.0.1 - - ["))
        #expect(combined.contains("] \"GET /c HTTP/1.1\" 204 0 \"http://r/\" \"-\""))
    }

    @Test func stubStatusHasNginxBody() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location /s { stub_status; } }")
        defer { f.proxy.stop() }
        // Each status request is a new connection; the one before it may still be closing inside the proxy.
        var text = ""
        _ = eventually {
            text = (try? f.get("/s").text) ?? ""
            return text.hasPrefix("Active connections: 1 \n")
        }
        // The readiness probe was a connection too: accepted and handled count it, requests do not.
        let counts = text.split(separator: "\n").dropFirst(2).first.map { $0.split(separator: " ").compactMap { Int($0) } } ?? []
        let n = counts.first ?? 0
        #expect(n >= 2)   // the probe and this request at least
        #expect(text == "Active connections: 1 \nserver accepts handled requests\n \(n) \(n) \(n - 1) \nReading: 0 Writing: 1 Waiting: 0 \n")
    }

    /// stub_status's variables and `$connection_time`: the same figures the page shows, and the age of the
    /// connection in seconds with milliseconds (nginx's format), growing on a kept-alive connection.
    @Test func connectionVariablesMatchTheStatusFigures() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT;
                location /v { return 200 "$connections_active $connections_reading $connections_writing $connections_waiting|$connection_time"; } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        var first = ""
        _ = eventually {
            try? c.send("GET /v HTTP/1.1\r\nHost: x\r\n\r\n")
            first = (try? c.readResponse().text) ?? ""
            return first.hasPrefix("1 0 1 0|")   // only this connection, writing its own response
        }
        #expect(first.hasPrefix("1 0 1 0|"), "\(first)")
        let time = first.split(separator: "|").last.map(String.init) ?? ""
        let parts = time.split(separator: ".")
        #expect(parts.count == 2 && parts[1].count == 3 && Int(parts[0]) != nil, "\(time)")
        usleep(30_000)   // the connection must age: the condition here is time itself
        try c.send("GET /v HTTP/1.1\r\nHost: x\r\n\r\n")
        let later = try c.readResponse().text.split(separator: "|").last.flatMap { Double($0) } ?? 0
        #expect(later >= (Double(time) ?? 1e9) + 0.02, "\(time) then \(later)")
    }

    /// Reading, Writing and Waiting follow the connections' real state: one idle keep-alive client (waiting), one
    /// that sent half a head (reading), and the status request itself (writing). The worker sees the other
    /// connections' bytes in its own order, so the page is asked again (bounded) until it shows them.
    @Test func stubStatusCountsConnectionsByState() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location /s { stub_status; } location / { return 204; } }")
        defer { f.proxy.stop() }
        let idle = try f.client()
        try idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().status == 204)
        let half = try f.client()
        try half.send("GET / HTTP/1.1\r\nHo")
        let expected = "Reading: 1 Writing: 1 Waiting: 1 \n"
        // Each status request is a new connection; the one before it may still be closing inside the proxy.
        var text = ""
        _ = eventually {
            text = (try? f.get("/s").text) ?? ""
            return text.hasPrefix("Active connections: 3 \n") && text.hasSuffix(expected)
        }
        #expect(text.hasPrefix("Active connections: 3 \n"))
        #expect(text.hasSuffix(expected))
        // The half-sent request completes: nothing is reading any more, and both clients are waiting.
        try half.send("st: x\r\n\r\n")
        #expect(try half.readResponse().status == 204)
        _ = eventually {
            text = (try? f.get("/s").text) ?? ""
            return text.hasSuffix("Reading: 0 Writing: 1 Waiting: 2 \n")
        }
        #expect(text.hasSuffix("Reading: 0 Writing: 1 Waiting: 2 \n"))
    }

    /// proxy_pass with variables: an IP address and port used directly, an upstream block picked by name (with its
    /// keep-alive pool), a host and port resolved at load for another proxy_pass, the evaluated URI part sent as-is,
    /// `$proxy_host`; any other host name needs a resolver → 502.
    @Test func proxyPassWithVariables() throws {
        let echo: MockBackend.Handler = { req in
            MockResponse(text: "\(req.target) host=\(req.header("Host") ?? "-")")
        }
        let a = try MockBackend(name: "a", handler: echo), b = try MockBackend(name: "b", handler: echo)
        defer { a.stop(); b.stop() }
        let f = try Fixture(http: """
            upstream pool_a { server \(a.address); keepalive 4; }
            upstream pool_b { server \(b.address); }
            server {
                listen 127.0.0.1:PORT;
                location /direct/ { set $backend \(b.address); proxy_pass http://$backend; }
                location /pool/ { proxy_pass http://$arg_pool; proxy_http_version 1.1; proxy_set_header Connection ""; }
                location /uri/ { proxy_pass http://$arg_pool/fixed$is_args$args; }
                location /named/ { proxy_pass http://$arg_host; }
                location /static/ { proxy_pass http://localhost:\(a.port); }
                location /bad/ { proxy_pass $arg_url; }
                location /ph/ { proxy_pass http://$arg_pool; add_header X-Proxy "$proxy_host $proxy_port"; }
                location ~ ^/cap/(\\w+)/(.*)$ { proxy_pass http://$1/$2$is_args$args; }
            }
            """)
        defer { f.proxy.stop() }
        let direct = try f.get("/direct/x?y=1")
        #expect(direct.header("X-Backend") == "b")
        #expect(direct.text == "/direct/x?y=1 host=\(b.address)")
        // Without a URI part the client's URI is passed unchanged; the host picks the upstream block.
        for _ in 0..<3 {
            let r = try f.get("/pool/p?pool=pool_a")
            #expect(r.header("X-Backend") == "a")
            #expect(r.text == "/pool/p?pool=pool_a host=pool_a")
        }
        #expect(a.connections == 1)   // pool_a's keepalive pool served the dynamic requests
        #expect(try f.get("/pool/p?pool=POOL_B").header("X-Backend") == "b")
        // A URI part replaces the whole request URI, as evaluated (no location prefix replacement).
        #expect(try f.get("/uri/deep/path?pool=pool_b").text == "/fixed?pool=pool_b host=pool_b")
        let ph = try f.get("/ph/?pool=\(a.address)")
        #expect(ph.header("X-Proxy") == "\(a.address) \(a.port)")
        #expect(ph.text == "/ph/?pool=\(a.address) host=\(a.address)")
        // Regex captures name the group and the path (a URI part is allowed in a regex location with variables).
        let cap = try f.get("/cap/pool_b/x/y?q=1")
        #expect(cap.header("X-Backend") == "b")
        #expect(cap.text == "/x/y?q=1 host=pool_b")
        // A name that is no upstream block would need a DNS resolver: 502 and nginx's error line.
        #expect(try f.get("/named/?host=backend.example").status == 502)
        #expect(f.logFile("logs/error.log", containing: "no resolver").contains("[error]"))
        #expect(f.errorLog().contains("no resolver defined to resolve backend.example"))
        #expect(try f.get("/named/?host=pool_a:8080").status == 502)   // with a port it names no upstream block
        // A host and port a proxy_pass without variables names was resolved at load (nginx's implicit group).
        let implicit = try f.get("/named/?host=LOCALHOST:\(a.port)")
        #expect(implicit.header("X-Backend") == "a")
        #expect(implicit.text == "/named/?host=LOCALHOST:\(a.port) host=LOCALHOST:\(a.port)")
        let bad = try f.get("/bad/?url=gopher://x")
        #expect(bad.status == 500)
        #expect(f.logFile("logs/error.log", containing: "invalid URL prefix").contains("invalid URL prefix in \"gopher://x\""))
    }
}
