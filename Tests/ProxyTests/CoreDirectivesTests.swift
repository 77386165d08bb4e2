import Glibc
import HTTP1
import Proxy
import SwitchyardTestSupport
import Testing

/// Issue 15's proxy and core HTTP directives end to end: what the backend receives and what the client sees.
@Suite(.serialized) struct CoreDirectivesTests {
    @Test func proxyMethodAndSetBodyReplaceWhatGoesUpstream() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(text: "\(req.method) \(String(decoding: req.body, as: UTF8.self))")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /const { proxy_pass http://\(backend.address); proxy_method POST; }
                location /var { proxy_pass http://\(backend.address); proxy_method $arg_m; }
                location /body { proxy_pass http://\(backend.address); proxy_set_body "for $uri"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/const").text == "POST ")
        #expect(try f.get("/var?m=PATCH").text == "PATCH ")
        let c = try f.client()
        try c.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nclient")
        let r = try c.readResponse()
        #expect(r.text == "POST for /body")   // the client's body is read and dropped
        #expect(backend.received.last?.header("Content-Length") == "9")
    }

    /// `add_trailer`: a response switchyard makes goes out chunked with the trailer after the last chunk
    /// (listed statuses, or `always`); a field whose value is empty is left out, as with add_header.
    @Test func addTrailerFollowsTheLastChunk() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "proxied") }   // with Content-Length
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /p { proxy_pass http://\(backend.address); add_trailer X-Up $upstream_status; }
                location /t { add_trailer X-Trailer "done $uri"; add_trailer X-Empty "$arg_none"; return 200 "body"; }
                location /e { add_trailer X-Trailer v; add_trailer X-Always yes always; return 404 "no"; }
                location /files/ { add_trailer X-File "$uri"; }
            }
            """, files: ["html/files/a.txt": "file body\n", "html/files/empty": "",
                         "html/files/big": String(repeating: "b", count: 40_000)])
        defer { f.proxy.stop() }
        func raw(_ path: String) throws -> String {
            let c = try f.client()
            try c.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(c.fd, &chunk, chunk.count)
                if n <= 0 { break }
                bytes += chunk[0..<n]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let ok = try raw("/t")
        #expect(ok.contains("Transfer-Encoding: chunked\r\n"), "\(ok)")
        #expect(ok.hasSuffix("\r\n4\r\nbody\r\n0\r\nX-Trailer: done /t\r\n\r\n"), "\(ok)")
        let notFound = try raw("/e")
        #expect(notFound.hasSuffix("0\r\nX-Always: yes\r\n\r\n"), "\(notFound)")
        // A static file: one chunk (small or sent by sendfile), no Content-Length, the trailers after it.
        let file = try raw("/files/a.txt")
        #expect(file.contains("Transfer-Encoding: chunked\r\n") && !file.contains("Content-Length"), "\(file)")
        #expect(file.hasSuffix("\r\n\r\na\r\nfile body\n\r\n0\r\nX-File: /files/a.txt\r\n\r\n"), "\(file)")
        let big = try raw("/files/big")
        #expect(big.hasSuffix("\r\n\r\n9c40\r\n" + String(repeating: "b", count: 40_000) + "\r\n0\r\nX-File: /files/big\r\n\r\n"))
        #expect(try raw("/files/empty").hasSuffix("\r\n\r\n0\r\nX-File: /files/empty\r\n\r\n"))
        // A proxied answer with a length is made chunked for its trailers, as nginx's chunked filter does.
        let proxied = try raw("/p")
        #expect(!proxied.contains("Content-Length") && proxied.hasSuffix("\r\n\r\n7\r\nproxied\r\n0\r\nX-Up: 200\r\n\r\n"),
                "\(proxied)")
        // A HEAD keeps the length (nginx's chunked filter leaves a HEAD alone).
        #expect(try f.raw("HEAD /files/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").contains("Content-Length: 10"))
    }

    /// `$request_body` is the body read into memory for proxy_pass (nginx's rule): proxy_set_body can wrap it,
    /// and the access log can show it; a body spooled to a temp file leaves it empty.
    @Test func requestBodyVariableHoldsTheBufferedBody() throws {
        let backend = try MockBackend(name: "b1") { req in MockResponse(text: String(decoding: req.body, as: UTF8.self)) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            log_format body '[$request_body]';
            server {
                listen 127.0.0.1:PORT;
                access_log logs/body.log body;
                location /wrap { proxy_pass http://\(backend.address); proxy_set_body "<$request_body>"; }
                location /small { proxy_pass http://\(backend.address); client_body_buffer_size 4; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /wrap HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try c.readResponse().text == "<hello>")
        try c.send("POST /wrap HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "<abcde>")
        try c.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nspooled!!")
        #expect(try c.readResponse().text == "spooled!!")
        try c.send("GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try c.readResponse()
        let log = f.logFile("logs/body.log", containing: "[-]\n[-]\n")
        #expect(log == "[hello]\n[abcde]\n[-]\n[-]\n", "\(log)")   // an empty value logs as "-", as in nginx
    }

    @Test func proxyRedirectRegexWithCaptures() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(status: 200, headers: [("Location", "http://backend:9000/app\(req.target)"),
                                                ("Refresh", "5; url=http://other/x")], text: "moved")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                server_name front;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_redirect ~^http://backend:(\\d+)/app(.*)$ http://$server_name:$1$2;
                    proxy_redirect ~*HTTP://OTHER/ /other/;
                }
            }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/x/y")
        #expect(r.header("Location") == "http://front:9000/x/y")
        #expect(r.header("Refresh") == "5; url=/other/")
    }

    /// An upstream's relative Location goes out as it came (nginx's upstream module keeps it from the header filter
    /// that makes redirects absolute), with proxy_redirect default, off or a rule that does not match; one a rule
    /// rewrote is made absolute, as a redirect switchyard makes (absolute_redirect, port_in_redirect).
    @Test func anUpstreamsRelativeLocationStaysRelative() throws {
        let backend = try MockBackend(name: "b1") { req in
            let to = req.header("X-To") ?? "/abs/path"
            return MockResponse(status: req.target.hasSuffix("created") ? 201 : 302, headers: [("Location", to)], text: "")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://\(backend.address); }
                location /off/ { proxy_redirect off; proxy_pass http://\(backend.address)/; }
                location /other/ { proxy_redirect http://a.example/ /b/; proxy_pass http://\(backend.address)/; }
                location /rule/ { proxy_redirect / /rel/; proxy_pass http://\(backend.address)/; }
                location /plain/ { absolute_redirect off; proxy_redirect / /rel/; proxy_pass http://\(backend.address)/; }
                location /noport/ { port_in_redirect off; proxy_redirect / /rel/; proxy_pass http://\(backend.address)/; }
            }
            """)
        defer { f.proxy.stop() }
        func location(_ path: String, _ to: String = "/abs/path") throws -> String? {
            try f.get(path, headers: ["X-To": to]).header("Location")
        }
        #expect(try location("/x") == "/abs/path")
        #expect(try location("/created") == "/abs/path")
        #expect(try location("/x", "//cdn.example/x") == "//cdn.example/x")
        #expect(try location("/off/x") == "/abs/path")
        #expect(try location("/other/x") == "/abs/path")
        #expect(try location("/other/x", "http://a.example/z") == "http://localhost:\(f.port)/b/z")
        #expect(try location("/rule/x") == "http://localhost:\(f.port)/rel/abs/path")
        #expect(try location("/plain/x") == "/rel/abs/path")
        #expect(try location("/noport/x") == "http://localhost/rel/abs/path")
    }

    @Test func proxyCookieDomainPathAndFlags() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Set-Cookie", "a=1; Domain=.internal.example; Path=/app/x; Secure"),
                                   ("Set-Cookie", "b=2; path=/other"), ("Set-Cookie", "c=3;Domain=WWW.Shop.COM;Secure")],
                         text: "ok")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cookie_domain .internal.example .public.example;
                    proxy_cookie_domain ~^www\\.(.+)\\.com$ $1.example;
                    proxy_cookie_path /app/ /;
                    proxy_cookie_flags a nosecure httponly samesite=lax;
                }
                location /var/ {
                    proxy_pass http://\(backend.address);
                    proxy_cookie_flags $arg_c $arg_f1 $arg_f2 $arg_f3;
                }
            }
            """)
        defer { f.proxy.stop() }
        let cookies = try f.get("/").headers("Set-Cookie")
        // A plain rule's leading dots are dropped (the cookie keeps its own), a domain regex ignores case, and a
        // cookie a rule matched is written again with nginx's `; ` separators.
        #expect(cookies == ["a=1; Domain=.public.example; Path=/x; HttpOnly; SameSite=Lax", "b=2; path=/other",
                            "c=3; Domain=Shop.example; Secure"])
        // Flags with variables, read per response: an empty value or an unknown word is no flag.
        let varied = try f.get("/var/?c=b&f1=SameSite=None&f2=bogus&f3=secure").headers("Set-Cookie")
        #expect(varied == ["a=1; Domain=.internal.example; Path=/app/x; Secure", "b=2; path=/other; SameSite=None; Secure",
                           "c=3;Domain=WWW.Shop.COM;Secure"])
        #expect(try f.get("/var/?c=a&f1=nosecure").headers("Set-Cookie")
            == ["a=1; Domain=.internal.example; Path=/app/x", "b=2; path=/other", "c=3;Domain=WWW.Shop.COM;Secure"])
        // The cookie's name matches in any case, as nginx compares it.
        #expect(try f.get("/var/?c=B&f1=httponly").headers("Set-Cookie")
            == ["a=1; Domain=.internal.example; Path=/app/x; Secure", "b=2; path=/other; HttpOnly",
                "c=3;Domain=WWW.Shop.COM;Secure"])
    }

    @Test func expiresWithVariables() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { expires $arg_e; return 200 "x"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/?e=epoch").header("Expires") == "Thu, 01 Jan 1970 00:00:01 GMT")
        #expect(try f.get("/?e=2048").header("Cache-Control") == "max-age=2048")
        #expect(try f.get("/?e=-1h").header("Cache-Control") == "no-cache")
        #expect(try f.get("/?e=bad").header("Expires") == nil)
        #expect(try f.get("/").header("Expires") == nil)
    }

    /// `server_tokens` at the server and location levels, as at the http level: the `Server` field and the error
    /// page's signature carry the version where it is on, for made, proxied and file answers.
    @Test func serverTokensPerServerAndLocation() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let second = freePort()
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                server_tokens off;
                location / { return 404; }
                location /p/ { proxy_pass http://\(backend.address)/; }
                location /on { server_tokens on; return 404; }
            }
            server {
                listen 127.0.0.1:\(second);
                location / { return 404; }
                location /off { server_tokens off; alias html/; }
            }
            """, files: ["html/f.txt": "file"])
        defer { f.proxy.stop() }
        let plain = "switchyard", versioned = "switchyard/\(Version.switchyard)"
        let off = try f.get("/")
        #expect(off.header("Server") == plain)
        #expect(off.text.contains("<center>\(plain)</center>"), "\(off.text)")
        #expect(try f.get("/p/").header("Server") == plain)
        let on = try f.get("/on")
        #expect(on.header("Server") == versioned)
        #expect(on.text.contains("<center>\(versioned)</center>"), "\(on.text)")
        #expect(try TestClient.get(port: second, "/").header("Server") == versioned)
        #expect(try TestClient.get(port: second, "/off/f.txt").header("Server") == plain)
        #expect(try TestClient.get(port: second, "/off/none").text.contains("<center>\(plain)</center>"))
    }

    /// nginx's own `expires` example: a map of `$sent_http_content_type`, read once the response's fields are set
    /// (nginx evaluates it in its headers filter), for a file, a proxied answer and a made one; `add_header` reads
    /// the same map; `$sent_http_x_ttl` reads the upstream's field.
    @Test func expiresFromTheResponsesContentType() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Content-Type", req.target.hasPrefix("/css") ? "text/css" : "text/html"),
                                   ("X-TTL", "1h")], text: "ok")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            types { text/html html; text/css css; image/png png; }
            map $sent_http_content_type $expires { default off; text/html epoch; text/css max; ~image/ 1h; }
            server {
                listen 127.0.0.1:PORT;
                location /s/ { expires $expires; alias html/; }
                location /p/ { expires $expires; add_header X-E $expires; proxy_pass http://\(backend.address)/; }
                location /ttl/ { expires $sent_http_x_ttl; proxy_pass http://\(backend.address)/; }
                location /made { default_type text/html; expires $expires; return 200 "x"; }
                location /g/ {
                    expires $expires; alias html/;
                    gzip on; gzip_types text/css text/html; gzip_min_length 1; gzip_proxied expired;
                }
            }
            """, files: ["html/index.html": "<p>hi</p>", "html/a.css": "p{}", "html/i.png": "png", "html/f.bin": "bin"])
        defer { f.proxy.stop() }
        let html = try f.get("/s/index.html")
        #expect(html.header("Expires") == "Thu, 01 Jan 1970 00:00:01 GMT")
        #expect(html.header("Cache-Control") == "no-cache")
        #expect(try f.get("/s/a.css").header("Expires") == "Thu, 31 Dec 2037 23:55:55 GMT")
        #expect(try f.get("/s/i.png").header("Cache-Control") == "max-age=3600")
        let bin = try f.get("/s/f.bin")   // the map's default: off
        #expect(bin.header("Expires") == nil && bin.header("Cache-Control") == nil)
        let proxied = try f.get("/p/css")
        #expect(proxied.header("Cache-Control") == "max-age=315360000")
        #expect(proxied.header("X-E") == "max")
        #expect(try f.get("/p/page").header("X-E") == "epoch")
        #expect(try f.get("/ttl/x").header("Cache-Control") == "max-age=3600")
        #expect(try f.get("/made").header("Cache-Control") == "no-cache")
        // gzip_proxied sees what expires adds (nginx's headers filter runs before gzip): a past Expires for the
        // page lets it compress, the stylesheet's far one does not.
        let via = ["Accept-Encoding": "gzip", "Via": "1.1 cdn"]
        let page = try f.get("/g/index.html", headers: via)
        #expect(page.header("Content-Encoding") == "gzip" && page.header("Cache-Control") == "no-cache")
        let css = try f.get("/g/a.css", headers: via)
        #expect(css.header("Content-Encoding") == nil && css.header("Cache-Control") == "max-age=315360000")
    }

    /// 6,000 body bytes at 2,000 bytes per second after the first 2,000: nginx's formula allows a second's worth
    /// at once, so the rest needs at least one more second.
    @Test func limitRateSlowsTheResponse() throws {
        let body = String(repeating: "z", count: 6000)
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: body) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /slow { proxy_pass http://\(backend.address); limit_rate 2k; limit_rate_after 2000; }
                location /fast { proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let r = try f.get("/slow")
        let elapsed = clock.now - start
        #expect(r.text == body)
        #expect(elapsed >= .milliseconds(900))
        #expect(try f.get("/fast").text == body)
    }

    /// A slow download goes out in batches (a tenth of a second's worth, at least 1 KiB): 3,000 bytes at 1,000 a
    /// second after the first second's worth arrive in a handful of reads, static or proxied. The timer woke for what
    /// each millisecond allowed, and the body left as segments of 4 to 8 bytes, about 250 a second.
    @Test(arguments: ["/file.txt", "/proxied"])
    func limitRateSendsInBatches(_ path: String) throws {
        let body = String(repeating: "y", count: 4000)
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: body) }
        defer { backend.stop() }
        let dir = try TempDir.make()
        try TempDir.write(dir + "/file.txt", body)
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                limit_rate 1000;
                location / { root \(dir); }
                location /proxied { proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        let (bytes, reads) = try f.rawBytes("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let total = bytes.count
        #expect(total > 4000)
        #expect(reads <= 12, "\(reads) reads for \(total) bytes")
    }

    /// `set $limit_rate` sets the rate (a size, `40k`), which `$limit_rate` then reads back in bytes; a value
    /// that is no size is logged and changes nothing (nginx-tests http_variables.t). The set rate slows the send.
    @Test func setLimitRate() throws {
        let body = String(repeating: "z", count: 3000)
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: body) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /rate { set $limit_rate $arg_l; add_header X-Rate $limit_rate; return 200 OK; }
                location /slow { set $limit_rate 1k; proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/rate?l=40k").header("X-Rate") == "40960")
        #expect(try f.get("/rate?l=bad").header("X-Rate") == "0")
        #expect(f.logFile("logs/error.log", containing: "invalid $limit_rate").contains("invalid $limit_rate \"bad\""))
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try f.get("/slow").text == body)
        #expect(clock.now - start >= .milliseconds(900))   // 3,000 bytes at 1,024 a second, the first second's free
    }

    /// `lingering_close on` (the default) closes a finished `Connection: close` request at once, and lingers only
    /// while the client may still be sending (an unread body); `always` lingers anyway, `off` never. A lingering
    /// connection is still open after the client read the end of the response, so stub_status counts it.
    @Test func lingeringCloseFollowsNginxsHeuristic() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location = /status { stub_status; }
                location / { return 200 "ok"; }
                location /always { lingering_close always; return 200 "ok"; }
                location /off { lingering_close off; return 200 "ok"; }
            }
            """)
        defer { f.proxy.stop() }
        func active() throws -> String {
            let status = try f.get("/status").text
            return String((status.split(separator: "\n").first ?? "").split(separator: " ").joined(separator: " "))   // nginx ends it with a space
        }
        func activeAfter(_ request: String) throws -> String {
            // The previous check's lingering connection ends when its client closes, which the server sees on
            // its own time: start from a server holding none (the status request itself is the one counted).
            #expect(eventually { (try? active()) == "Active connections: 1" })
            let c = try f.client()
            try c.send(request)
            var chunk = [UInt8](repeating: 0, count: 4096)
            while read(c.fd, &chunk, chunk.count) > 0 {}   // to the server's FIN; the socket stays open here
            return try active()
        }
        let close = "Host: h\r\nConnection: close\r\n"
        #expect(try activeAfter("GET / HTTP/1.1\r\n\(close)\r\n") == "Active connections: 1")
        #expect(try activeAfter("GET /always HTTP/1.1\r\n\(close)\r\n") == "Active connections: 2")
        #expect(try activeAfter("POST / HTTP/1.1\r\n\(close)Content-Length: 100\r\n\r\n") == "Active connections: 2")
        #expect(try activeAfter("POST /off HTTP/1.1\r\n\(close)Content-Length: 100\r\n\r\n") == "Active connections: 1")
    }

    /// `X-Accel-Limit-Rate` from an upstream sets the response's rate, above the location's own `limit_rate`
    /// (also across an `X-Accel-Redirect`), and is not passed on; `proxy_ignore_headers` turns it off.
    @Test func xAccelLimitRateSetsTheRate() throws {
        let body = String(repeating: "z", count: 3000)
        let backend = try MockBackend(name: "app") { req in
            if req.target.hasPrefix("/redirect") {
                return MockResponse(status: 204, headers: [("X-Accel-Redirect", "/files/big"), ("X-Accel-Limit-Rate", "1000")], body: [])
            }
            return MockResponse(status: 200, headers: [("X-Accel-Limit-Rate", "1000")], body: Array(body.utf8))
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                add_header X-Rate $limit_rate;
                location /slow { proxy_pass http://\(backend.address); limit_rate 0; }
                location /ignored { proxy_pass http://\(backend.address); proxy_ignore_headers X-Accel-Limit-Rate; }
                location /redirect { proxy_pass http://\(backend.address); }
                location /files/ { root html; limit_rate 0; }
            }
            """, files: ["html/files/big": body])
        defer { f.proxy.stop() }
        let clock = ContinuousClock()
        for path in ["/slow", "/redirect"] {
            let start = clock.now
            let r = try f.get(path)
            #expect(r.text == body)
            #expect(r.header("X-Accel-Limit-Rate") == nil)
            #expect(r.header("X-Rate") == "1000")
            #expect(clock.now - start >= .milliseconds(900), "\(path)")   // 3,000 bytes at 1,000 a second
        }
        let ignored = try f.get("/ignored")
        #expect(ignored.text == body && ignored.header("X-Rate") == "0")
    }

    /// `X-Accel-Redirect` from an upstream: its answer is dropped and the request goes on internally (the URI
    /// decoded, asked with GET, `$upstream_http_*` still readable), to `@name` too; `..` is a 404, and
    /// `proxy_ignore_headers X-Accel-Redirect` passes the upstream's answer instead.
    @Test func xAccelRedirectIsFollowed() throws {
        let backend = try MockBackend(name: "app") { req in
            let target = req.header("X-Want") ?? "/files/a.txt"
            return MockResponse(status: 204, headers: [("X-Accel-Redirect", target)], body: [])
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root html;
                location /app { proxy_pass http://\(backend.address); }
                location /ignored { proxy_pass http://\(backend.address); proxy_ignore_headers X-Accel-Redirect; }
                location /files/ { internal; add_header X-Method $request_method; add_header X-Xar $upstream_http_x_accel_redirect; }
                location @named { return 200 "named $uri"; }
            }
            """, files: ["html/files/a.txt": "protected\n", "html/files/b c.txt": "spaced\n"])
        defer { f.proxy.stop() }
        #expect(try f.get("/files/a.txt").status == 404)   // internal: not reachable directly
        let r = try f.get("/app")
        #expect(r.status == 200 && r.text == "protected\n")
        #expect(r.header("X-Method") == "GET" && r.header("X-Xar") == "/files/a.txt")
        let post = try f.raw("POST /app HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc")
        #expect(post.hasPrefix("HTTP/1.1 200") && post.contains("X-Method: GET"))
        #expect(try f.get("/app", headers: ["X-Want": "/files/b%20c.txt"]).text == "spaced\n")
        #expect(try f.get("/app", headers: ["X-Want": "@named"]).text == "named /app")
        #expect(try f.get("/app", headers: ["X-Want": "/files/../a.txt"]).status == 404)
        #expect(try f.get("/app", headers: ["X-Want": "/files/.%2e/a.txt"]).status == 404)
        #expect(try f.get("/ignored").status == 204)
    }

    /// The application's file name, type, cookie and caching fields go with the file it redirects to (nginx's
    /// list); its other fields do not. The cookie is rewritten as a relayed one is.
    @Test func xAccelRedirectCarriesTheApplicationsFields() throws {
        let backend = try MockBackend(name: "app") { _ in
            MockResponse(status: 204, headers: [
                ("X-Accel-Redirect", "/files/a.txt"), ("Content-Type", "application/pdf"),
                ("Content-Disposition", "attachment; filename=\"report.pdf\""), ("Set-Cookie", "seen=1; Domain=app.internal"),
                ("Cache-Control", "private"), ("X-Other", "dropped"),
            ], body: [])
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root html;
                location /app { proxy_pass http://\(backend.address); proxy_cookie_domain app.internal example.com; }
                location /files/ { internal; }
            }
            """, files: ["html/files/a.txt": "protected\n"])
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /app HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 200 && r.text == "protected\n")
        #expect(r.headers("Content-Type") == ["application/pdf"])
        #expect(r.header("Content-Disposition") == "attachment; filename=\"report.pdf\"")
        #expect(r.header("Set-Cookie") == "seen=1; Domain=example.com")
        #expect(r.header("Cache-Control") == "private")
        #expect(r.header("X-Other") == nil)
        // The next request on the connection carries nothing over.
        try c.send("GET /none HTTP/1.1\r\nHost: x\r\n\r\n")
        let next = try c.readResponse()
        #expect(next.status == 404 && next.header("Content-Disposition") == nil && next.header("Set-Cookie") == nil)
    }

    /// A client that leaves while its request waits on the upstream is logged as nginx logs it: 499, with the
    /// upstream's times so far (no header time: none came). nginx-tests proxy.t "client close".
    @Test func anAbandonedRequestIsLogged() throws {
        let backend = try MockBackend(name: "hung") { _ in MockResponse(hang: true) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            log_format t '$status $upstream_header_time $request_uri';
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://\(backend.address); access_log logs/t.log t; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /left HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually { backend.requests == 1 })
        c.close()
        #expect(f.logFile("logs/t.log", containing: "/left").contains("499 - /left"))
    }

    @Test func keepaliveDisableSafari() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { keepalive_disable safari; return 204; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15) Safari/605.1\r\n\r\n")
        #expect(try c.readResponse().header("Connection") == "close")
        let d = try f.client()
        try d.send("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8\r\n\r\n")
        #expect(try d.readResponse().header("Connection") == "keep-alive")
    }

    /// The default `keepalive_disable msie6`: MSIE 4 to 6 (6 without SV1) lose keep-alive after a POST only.
    @Test func keepaliveDisableMSIE6AfterAPost() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { return 204; } }")
        defer { f.proxy.stop() }
        func connection(_ method: String, _ agent: String) throws -> String? {
            let c = try f.client()
            defer { c.close() }
            try c.send("\(method) / HTTP/1.1\r\nHost: x\r\nUser-Agent: \(agent)\r\nContent-Length: 0\r\n\r\n")
            return try c.readResponse().header("Connection")
        }
        let ie6 = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"
        #expect(try connection("POST", ie6) == "close")
        #expect(try connection("GET", ie6) == "keep-alive")
        #expect(try connection("POST", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)") == "keep-alive")
        #expect(try connection("POST", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1) Opera 8.50") == "keep-alive")
    }

    /// `underscores_in_headers on` keeps `X_Foo`; without it the line is dropped with nginx's info message.
    @Test func underscoresInHeadersKeepsThem() throws {
        let other = freePort()
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; underscores_in_headers on; location / { return 204; } }
            server { listen 127.0.0.1:\(other); location / { return 204; } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/kept", headers: ["X_Kept": "1"]).status == 204)
        #expect(try TestClient.get(port: other, "/dropped", headers: ["X_Dropped": "1"]).status == 204)
        let log = f.logFile("logs/error.log", containing: "X_Dropped")
        #expect(log.contains("client sent invalid header line: \"X_Dropped: 1\""))
        #expect(!log.contains("X_Kept"))
    }

    @Test func accessLogConditionAndGzip() throws {
        let f = try Fixture(http: """
            log_format plain "$uri";
            server {
                listen 127.0.0.1:PORT;
                location / {
                    access_log logs/if.log plain if=$arg_log;
                    access_log logs/zipped.log plain gzip flush=1s;
                    return 204;
                }
            }
            """)
        defer { f.proxy.stop() }
        _ = try f.get("/skipped?log=0")
        _ = try f.get("/kept?log=1")
        let text = f.logFile("logs/if.log", containing: "/kept")
        #expect(text == "/kept\n")
        var zipped = ""
        for _ in 0..<500 where zipped.isEmpty { usleep(10_000); zipped = f.proxy.file("logs/zipped.log") }
        // A gzip member (magic 1f 8b), written when the buffer flushes (within a second), not plain lines.
        #expect(zipped.unicodeScalars.first == "\u{1f}")
        #expect(!zipped.contains("/kept"))
    }

    /// nginx writes `-` for a missing variable only with the default escaping: `escape=none` and `json` write nothing.
    @Test func accessLogEscapeNoneWritesNothingForMissingValues() throws {
        let f = try Fixture(http: """
            log_format none escape=none "$uri$arg_b|";
            server {
                listen 127.0.0.1:PORT;
                location / { access_log logs/none.log none; return 204; }
            }
            """)
        defer { f.proxy.stop() }
        _ = try f.get("/x")
        #expect(f.logFile("logs/none.log", containing: "|") == "/x|\n")
    }

    /// `stub_status` at server level (its documented context) answers what no location matches, as in nginx;
    /// the locations keep their own handlers.
    @Test func stubStatusAtServerLevel() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; stub_status; location /x { return 200 "x"; } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/anything").text.hasPrefix("Active connections: 1"))
        #expect(try f.get("/x").text == "x")
    }
}
