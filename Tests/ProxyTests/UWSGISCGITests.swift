import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// Debian's uwsgi_params and scgi_params, as /etc/nginx ships them (nginx 1.22.1-9+deb12u12): what Django and
/// Flask sites include.
enum DebianCGIStreamFiles {
    static let uwsgiParams = """

uwsgi_param  QUERY_STRING       $query_string;
uwsgi_param  REQUEST_METHOD     $request_method;
uwsgi_param  CONTENT_TYPE       $content_type;
uwsgi_param  CONTENT_LENGTH     $content_length;

uwsgi_param  REQUEST_URI        $request_uri;
uwsgi_param  PATH_INFO          $document_uri;
uwsgi_param  DOCUMENT_ROOT      $document_root;
uwsgi_param  SERVER_PROTOCOL    $server_protocol;
uwsgi_param  REQUEST_SCHEME     $scheme;
uwsgi_param  HTTPS              $https if_not_empty;

uwsgi_param  REMOTE_ADDR        $remote_addr;
uwsgi_param  REMOTE_PORT        $remote_port;
uwsgi_param  SERVER_PORT        $server_port;
uwsgi_param  SERVER_NAME        $server_name;

# !!! Security workaround !!!
# Do not use HTTP_HOST as "$http_host".
#
# "$http_host" is the Host header exactly as supplied by the client.
# This is unsafe when a client sends an absolute-form request target together
# with a different Host header, for example:
#
#     GET https://example.com/ HTTP/1.1
#     Host: malformedhost
#
# In such a case, passing "$http_host" upstream exposes the raw client-supplied
# Host value ("malformedhost") to the backend application, even though it does
# not match the effective request target. Applications often use HTTP_HOST for
# redirects, absolute URL generation, virtual host routing, or security checks;
# forwarding the raw Host header can therefore lead to incorrect or unsafe
# behaviour.
#
# Newer nginx versions (since 1.30.0) introduce variables "$is_request_port" and
# "$request_port", allowing HTTP_HOST to be constructed as:
#     $host$is_request_port$request_port
#
# In stable/oldstable packages we use "$host" as a security workaround.
# It avoids forwarding an untrusted raw Host header to the backend.
#
# Note: this changes behaviour compared to previous versions, because "$host"
# does not preserve the client-supplied port, while "$http_host" typically
# does. Existing deployments that rely on "$http_host" containing a port number
# may therefore break or behave differently after this change.

uwsgi_param  HTTP_HOST        $host;
"""
    static let scgiParams = """

scgi_param  REQUEST_METHOD     $request_method;
scgi_param  REQUEST_URI        $request_uri;
scgi_param  QUERY_STRING       $query_string;
scgi_param  CONTENT_TYPE       $content_type;

scgi_param  DOCUMENT_URI       $document_uri;
scgi_param  DOCUMENT_ROOT      $document_root;
scgi_param  SCGI               1;
scgi_param  SERVER_PROTOCOL    $server_protocol;
scgi_param  REQUEST_SCHEME     $scheme;
scgi_param  HTTPS              $https if_not_empty;

scgi_param  REMOTE_ADDR        $remote_addr;
scgi_param  REMOTE_PORT        $remote_port;
scgi_param  SERVER_PORT        $server_port;
scgi_param  SERVER_NAME        $server_name;

# !!! Security workaround !!!
# Do not use HTTP_HOST as "$http_host".
#
# "$http_host" is the Host header exactly as supplied by the client.
# This is unsafe when a client sends an absolute-form request target together
# with a different Host header, for example:
#
#     GET https://example.com/ HTTP/1.1
#     Host: malformedhost
#
# In such a case, passing "$http_host" upstream exposes the raw client-supplied
# Host value ("malformedhost") to the backend application, even though it does
# not match the effective request target. Applications often use HTTP_HOST for
# redirects, absolute URL generation, virtual host routing, or security checks;
# forwarding the raw Host header can therefore lead to incorrect or unsafe
# behaviour.
#
# Newer nginx versions (since 1.30.0) introduce variables "$is_request_port" and
# "$request_port", allowing HTTP_HOST to be constructed as:
#     $host$is_request_port$request_port
#
# In stable/oldstable packages we use "$host" as a security workaround.
# It avoids forwarding an untrusted raw Host header to the backend.
#
# Note: this changes behaviour compared to previous versions, because "$host"
# does not preserve the client-supplied port, while "$http_host" typically
# does. Existing deployments that rely on "$http_host" containing a port number
# may therefore break or behave differently after this change.

scgi_param  HTTP_HOST        $host;
"""
    static var files: [String: String] { ["conf/uwsgi_params": uwsgiParams, "conf/scgi_params": scgiParams] }
}

/// `uwsgi_pass` and `scgi_pass` end to end, against MockCGIStreamBackend (a uwsgi or SCGI application that
/// records what it got and answers with bytes the test writes).
@Suite(.serialized) struct UWSGISCGITests {
    /// A site with Debian's files: `location /` includes the protocol's params and passes to `backend`.
    static func site(_ backend: MockCGIStreamBackend, location: String = "", extra: String = "") throws -> Fixture {
        let name = backend.wire == .uwsgi ? "uwsgi" : "scgi"
        return try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                server_name app.example;
                root html;
                \(extra)
                location / {
                    include \(name)_params;
                    \(name)_pass \(backend.address);
                    \(location)
                }
            }
            """, files: DebianCGIStreamFiles.files)
    }

    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func aGetSeesDebiansParamsAndTheHeadersAsVars(wire: MockCGIStreamBackend.Wire) throws {
        let app = try MockCGIStreamBackend(wire) { _ in .http(text: "hello from wsgi") }
        defer { app.stop() }
        let f = try Self.site(app)
        defer { f.proxy.stop() }
        let r = try TestClient.get(port: f.port, "/app/page?x=1", host: "app.example:8080",
                                   headers: ["X-Request-Id": "abc", "Accept-Language": "fr"])
        #expect(r.status == 200 && r.text == "hello from wsgi")
        #expect(r.header("Content-Type") == "text/plain" && r.header("Server")?.hasPrefix("switchyard") == true)
        let seen = try #require(app.requests.last)
        #expect(seen.value("REQUEST_METHOD") == "GET")
        #expect(seen.value("REQUEST_URI") == "/app/page?x=1")
        #expect(seen.value("QUERY_STRING") == "x=1")
        #expect(seen.value("SERVER_NAME") == "app.example")
        #expect(seen.value("SERVER_PROTOCOL") == "HTTP/1.1")
        #expect(seen.value("REQUEST_SCHEME") == "http")
        #expect(seen.value("REMOTE_ADDR") == "127.0.0.1")
        #expect(seen.vars.contains { $0.name == "HTTPS" } == false)   // if_not_empty, and $https is empty
        // Debian's HTTP_HOST param is $host; the client's Host field is then not sent again.
        #expect(seen.vars.filter { $0.name == "HTTP_HOST" }.map(\.value) == ["app.example"])
        #expect(seen.value("HTTP_X_REQUEST_ID") == "abc" && seen.value("HTTP_ACCEPT_LANGUAGE") == "fr")
        if wire == .uwsgi {
            #expect(seen.value("PATH_INFO") == "/app/page")
            #expect(seen.value("CONTENT_LENGTH") == "")
            #expect(seen.modifier1 == 0 && seen.modifier2 == 0)
        } else {
            #expect(seen.vars.first?.name == "CONTENT_LENGTH" && seen.vars.first?.value == "0")
            #expect(seen.value("SCGI") == "1" && seen.value("DOCUMENT_URI") == "/app/page")
        }
    }

    /// Repeated fields go as one var, joined as nginx (1.23 on) joins them.
    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func repeatedFieldsAreJoined(wire: MockCGIStreamBackend.Wire) throws {
        let app = try MockCGIStreamBackend(wire) { _ in .http(text: "ok") }
        defer { app.stop() }
        let f = try Self.site(app)
        defer { f.proxy.stop() }
        let raw = try f.raw("GET / HTTP/1.0\r\nHost: x\r\nX-Forwarded-For: foo\r\nCookie: a=1\r\nx-forwarded-for: bar\r\n"
                            + "Cookie: b=2\r\nFoo: x\r\n\r\n")
        #expect(raw.hasPrefix("HTTP/1.1 200"))
        let seen = try #require(app.requests.last)
        #expect(seen.vars.filter { $0.name == "HTTP_X_FORWARDED_FOR" }.map(\.value) == ["foo, bar"])
        #expect(seen.vars.filter { $0.name == "HTTP_COOKIE" }.map(\.value) == ["a=1; b=2"])
        #expect(seen.value("HTTP_FOO") == "x")
    }

    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func aPostBodyFollowsTheVars(wire: MockCGIStreamBackend.Wire) throws {
        let app = try MockCGIStreamBackend(wire) { req in .http(text: "got \(req.bodyText)") }
        defer { app.stop() }
        let f = try Self.site(app)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nname=ab")
        #expect(try c.readResponse().text == "got name=ab")
        #expect(app.requests.last?.value("CONTENT_LENGTH") == "7")
        #expect(app.requests.last?.value("CONTENT_TYPE") == "application/x-www-form-urlencoded")
        // 200 KiB: past client_body_buffer_size, so from the temp file.
        let big = String(repeating: "0123456789abcdef", count: 200 * 64)
        let c2 = try f.client()
        try c2.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.utf8.count)\r\n\r\n" + big)
        #expect(try c2.readResponse().text == "got " + big)
        // A chunked body is read whole, then sent with its length.
        let c3 = try f.client()
        try c3.send("POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        #expect(try c3.readResponse().text == "got abcde")
        #expect(app.requests.last?.value("CONTENT_LENGTH") == "5")
        #expect(app.requests.last?.value("HTTP_TRANSFER_ENCODING") == "chunked")
    }

    /// `*_request_buffering off`: a Content-Length body goes to the application as it arrives.
    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func requestBufferingOffStreamsTheBody(wire: MockCGIStreamBackend.Wire) throws {
        let app = try MockCGIStreamBackend(wire) { req in .http(text: "got \(req.bodyText)") }
        defer { app.stop() }
        let name = wire == .uwsgi ? "uwsgi" : "scgi"
        let f = try Self.site(app, location: "\(name)_request_buffering off;")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
        #expect(eventually { app.packetsRead == 1 })   // the vars went before the body was whole
        try c.send("56789")
        #expect(try c.readResponse().text == "got 0123456789")
    }

    @Test func statusesLocationAndFraming() throws {
        let app = try MockCGIStreamBackend(.uwsgi) { req in
            switch req.value("PATH_INFO") ?? "" {
            case "/missing": return .http("404 Not Found", text: "no such page")
            case "/created": return .cgi(status: "201 Created", text: "made")
            case "/teapot": return .cgi(status: "418", text: "short")
            case "/login": return .cgi(headers: [("Location", "/welcome")], text: "")
            case "/length": return .http(headers: [("Content-Length", "5")], text: "12345 and more")
            case "/empty": return .http("204 No Content", headers: [], text: "")
            default: return .cgi(text: "until close")
            }
        }
        defer { app.stop() }
        let f = try Self.site(app)
        defer { f.proxy.stop() }
        let missing = try f.get("/missing")
        #expect(missing.status == 404 && missing.text == "no such page")
        let created = try f.get("/created")
        #expect(created.status == 201 && created.text == "made" && created.header("Status") == nil)
        #expect(try f.get("/teapot").status == 418)
        let login = try f.get("/login")
        #expect(login.status == 302 && login.header("Location") == "/welcome")
        let length = try f.get("/length")
        #expect(length.header("Content-Length") == "5" && length.text == "12345")
        #expect(try f.get("/empty").status == 204)
        let other = try f.get("/other")
        #expect(other.status == 200 && other.text == "until close" && other.header("Transfer-Encoding") == "chunked")
        // A HEAD gets the head only.
        let head = try f.raw("HEAD /missing HTTP/1.0\r\nHost: x\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 404 Not Found\r\n") && head.hasSuffix("\r\n\r\n"))
        // Never reused: one connection a request.
        #expect(app.connections == app.requests.count)
    }

    @Test func modifiersParamsAndHeaderFilters() throws {
        let app = try MockCGIStreamBackend(.uwsgi) { _ in
            .http(headers: [("Content-Type", "text/plain"), ("X-Secret", "s"), ("X-Accel-Expires", "10")], text: "ok")
        }
        defer { app.stop() }
        let f = try Fixture(http: """
            uwsgi_modifier1 30;
            uwsgi_param FROM_HTTP http-level;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    uwsgi_modifier2 5;
                    uwsgi_param SCRIPT_NAME /app;
                    uwsgi_param EMPTY $arg_none if_not_empty;
                    uwsgi_param UNIX $arg_x if_not_empty;
                    uwsgi_hide_header X-Secret;
                    uwsgi_pass \(app.address);
                }
                location /bare { uwsgi_pass_request_headers off; uwsgi_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/?x=42", headers: ["X-Trace": "t"])
        #expect(r.text == "ok" && r.header("X-Secret") == nil && r.header("X-Accel-Expires") == nil)
        let seen = try #require(app.requests.last)
        #expect(seen.modifier1 == 30 && seen.modifier2 == 5)
        // A level with params of its own does not inherit the http level's (nginx's array rule).
        #expect(seen.value("FROM_HTTP") == nil && seen.value("SCRIPT_NAME") == "/app")
        #expect(seen.value("EMPTY") == nil && seen.value("UNIX") == "42")
        #expect(seen.value("HTTP_X_TRACE") == "t")
        _ = try f.get("/bare", headers: ["X-Trace": "t"])
        let bare = try #require(app.requests.last)
        #expect(bare.value("HTTP_X_TRACE") == nil && bare.value("FROM_HTTP") == "http-level" && bare.modifier1 == 30)
    }

    @Test func interceptErrorsHandsTheStatusToErrorPage() throws {
        let app = try MockCGIStreamBackend(.scgi) { _ in .cgi(status: "503 Busy", text: "app page") }
        defer { app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                error_page 503 /busy.html;
                location = /busy.html { return 200 "our page"; }
                location / { scgi_intercept_errors on; scgi_pass \(app.address); }
                location /raw { scgi_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/x").text == "our page")
        let raw = try f.get("/raw")
        #expect(raw.status == 503 && raw.text == "app page")
    }

    /// A dead backend is a 502 with nginx's line naming the scheme (and, in an upstream, the next server is
    /// tried); a malformed or empty answer is a 502 with nginx's line; a silent one a 504.
    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func failuresAreNginxs(wire: MockCGIStreamBackend.Wire) throws {
        let name = wire == .uwsgi ? "uwsgi" : "scgi"
        let good = try MockCGIStreamBackend(wire) { _ in .http(text: "second server") }
        defer { good.stop() }
        let garbage = try MockCGIStreamBackend(wire) { _ in CGIStreamReply(bytes: Array("no header here\r\n\r\n".utf8)) }
        defer { garbage.stop() }
        let silent = try MockCGIStreamBackend(wire) { _ in CGIStreamReply(bytes: []) }
        defer { silent.stop() }
        let badStatus = try MockCGIStreamBackend(wire) { _ in .cgi(status: "abc", text: "") }
        defer { badStatus.stop() }
        let hung = try MockCGIStreamBackend(wire) { _ in CGIStreamReply(bytes: [], hang: true) }
        defer { hung.stop() }
        let dead = deadPort()
        let f = try Fixture(http: """
            upstream pool { server 127.0.0.1:\(dead); server \(good.address); }
            server {
                listen 127.0.0.1:PORT;
                location /dead { \(name)_pass 127.0.0.1:\(dead); }
                location /pool { \(name)_pass pool; }
                location /garbage { \(name)_pass \(garbage.address); }
                location /silent { \(name)_pass \(silent.address); }
                location /status { \(name)_pass \(badStatus.address); }
                location /hung { \(name)_read_timeout 300ms; \(name)_pass \(hung.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/dead").status == 502)
        #expect(f.logFile("logs/error.log", containing: "connect() failed (111: Connection refused) while connecting to upstream")
            .contains("upstream: \"\(name)://127.0.0.1:\(dead)\""))
        for _ in 0..<2 { #expect(try f.get("/pool").text == "second server") }
        #expect(try f.get("/garbage").status == 502)
        #expect(f.logFile("logs/error.log", containing: "upstream sent invalid header while reading response header from upstream")
            .contains("invalid header"))
        #expect(try f.get("/silent").status == 502)
        #expect(f.logFile("logs/error.log", containing: "upstream prematurely closed connection while reading response header from upstream")
            .contains("prematurely"))
        #expect(try f.get("/status").status == 502)
        #expect(f.logFile("logs/error.log", containing: "upstream sent invalid status \"abc\" while reading response header from upstream")
            .contains("invalid status"))
        #expect(try f.get("/hung").status == 504)
        #expect(f.logFile("logs/error.log", containing: "upstream timed out (110: Connection timed out) while reading response header from upstream")
            .contains("timed out"))
    }

    @Test func aUWSGIPacketOver64KiBIsA500() throws {
        let app = try MockCGIStreamBackend(.uwsgi) { _ in .http(text: "ok") }
        defer { app.stop() }
        let f = try Fixture(http: """
            large_client_header_buffers 4 64k;
            server { listen 127.0.0.1:PORT; location / { uwsgi_param BIG $arg_a$arg_a; uwsgi_pass \(app.address); } }
            """)
        defer { f.proxy.stop() }
        let a = String(repeating: "a", count: 40_000)
        #expect(try f.get("/?a=\(a)").status == 500)
        #expect(f.logFile("logs/error.log", containing: "uwsgi request is too big: ").contains("[alert]"))
        #expect(app.requests.isEmpty)
        #expect(try f.get("/?a=small").text == "ok")
    }

    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func unixSocketsAndVariables(wire: MockCGIStreamBackend.Wire) throws {
        let name = wire == .uwsgi ? "uwsgi" : "scgi"
        let dir = try TempDir.make()
        let app = try MockCGIStreamBackend(wire, unixPath: dir + "/app.sock") { _ in .http(text: "over unix") }
        defer { app.stop() }
        let tcp = try MockCGIStreamBackend(wire) { _ in .http(text: "over tcp") }
        defer { tcp.stop() }
        let f = try Fixture(http: """
            map $arg_to $app { default \(tcp.address); unix unix:\(dir)/app.sock; scheme uwsgi://\(tcp.address); }
            server {
                listen 127.0.0.1:PORT;
                location /unix { \(name)_pass unix:\(dir)/app.sock; }
                location /var { \(name)_pass $app; }
                location /scheme { uwsgi_pass uwsgi://\(tcp.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/unix").text == "over unix")
        #expect(try f.get("/var").text == "over tcp")
        #expect(try f.get("/var?to=unix").text == "over unix")
        if wire == .uwsgi {   // uwsgi_pass may name its scheme, in a variable too
            #expect(try f.get("/scheme").text == "over tcp")
            #expect(try f.get("/var?to=scheme").text == "over tcp")
        }
    }

    /// `*_bind` and `*_socket_keepalive` (as `proxy_bind`'s): while the application holds the request, its
    /// connection in /proc/net/tcp comes from the bound address and has the kernel's keepalive timer (`tr` 2).
    @Test(arguments: [MockCGIStreamBackend.Wire.uwsgi, .scgi])
    func bindAndSocketKeepaliveShapeTheConnection(wire: MockCGIStreamBackend.Wire) throws {
        let app = try MockCGIStreamBackend(wire) { _ in CGIStreamReply(bytes: [], hang: true) }
        defer { app.stop() }
        let name = wire == .uwsgi ? "uwsgi" : "scgi"
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { \(name)_pass \(app.address); \(name)_bind 127.0.0.2; \(name)_socket_keepalive on; }
                location /plain { \(name)_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        var clients: [TestClient] = []   // each holds its request (and its upstream connection) open
        func held(_ path: String) throws -> [String] {
            let c = try f.client()
            clients.append(c)
            let before = app.packetsRead
            try c.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(eventually(seconds: 10) { app.packetsRead > before })
            return try Self.connections(toPort: app.port).sorted()
        }
        #expect(try held("/") == ["0200007F 02"])
        #expect(try held("/plain") == ["0100007F 00", "0200007F 02"])
        #expect(f.errorLog().contains("[alert]") == false)
    }

    /// Each established IPv4 connection to 127.0.0.1:`port`: its local address (hex) and its active timer.
    static func connections(toPort port: UInt16) throws -> [String] {
        try TCPTable.established().filter { $0.remote == TCPTable.loopback(port) }.map { "\($0.localAddress) \($0.timer)" }
    }

    /// `-t` on bad arguments and on the parts that are not built: nginx's `[emerg] … in file:line`.
    @Test(arguments: [
        ("uwsgi_pass 127.0.0.1:99999;", "invalid port in upstream \"127.0.0.1:99999\""),
        ("scgi_pass nosuchupstream;", "no port in upstream \"nosuchupstream\""),
        ("uwsgi_pass 127.0.0.1:9000; uwsgi_pass 127.0.0.1:9001;", "\"uwsgi_pass\" directive is duplicate"),
        ("scgi_param A b c;", "invalid parameter \"c\""),
        ("uwsgi_param A;", "invalid number of arguments in \"uwsgi_param\" directive"),
        ("uwsgi_modifier1 many;", "\"uwsgi_modifier1\" directive invalid number"),
        ("scgi_read_timeout forever;", "\"scgi_read_timeout\" directive invalid value"),
        ("uwsgi_intercept_errors maybe;", "invalid value \"maybe\" in \"uwsgi_intercept_errors\" directive, it must be \"on\" or \"off\""),
        ("uwsgi_store on;", "\"uwsgi_store\" directive is not supported: switchyard does not store uwsgi responses"),
        ("scgi_store_access user:rw;", "\"scgi_store_access\" directive is not supported: switchyard does not store SCGI"),
        ("scgi_pass unix:;", "no path in the unix domain socket"),
        // uwsgi over TLS: nginx's checks of its settings (SCGI has no TLS)
        ("uwsgi_pass suwsgi://127.0.0.1:9000; uwsgi_ssl_verify on;", "no uwsgi_ssl_trusted_certificate for uwsgi_ssl_verify"),
        ("uwsgi_pass suwsgi://127.0.0.1:9000; uwsgi_ssl_certificate /etc/hostname;",
         "no \"uwsgi_ssl_certificate_key\" is defined for certificate \"/etc/hostname\""),
        ("uwsgi_pass suwsgi://127.0.0.1:9000; uwsgi_ssl_protocols TLSv9;", "invalid value \"TLSv9\""),
        ("uwsgi_ssl_verify_depth 1; uwsgi_ssl_verify_depth 2;", "\"uwsgi_ssl_verify_depth\" directive is duplicate"),
        ("uwsgi_pass suwsgi://nosuchupstream;", "no port in upstream \"nosuchupstream\""),
        ("scgi_ssl_verify on;", "unknown directive \"scgi_ssl_verify\""),
        ("scgi_bind example.com;", "invalid address \"example.com\""),
        ("uwsgi_bind 127.0.0.1 sometimes;", "invalid parameter \"sometimes\""),
        ("fastcgi_bind off transparent;", "invalid parameter \"transparent\""),
        ("memcached_socket_keepalive maybe;", "invalid value \"maybe\" in \"memcached_socket_keepalive\" directive"),
        ("uwsgi_bind 127.0.0.1; uwsgi_bind off;", "\"uwsgi_bind\" directive is duplicate"),
        ("scgi_ignore_client_abort maybe;", "invalid value \"maybe\" in \"scgi_ignore_client_abort\" directive"),
    ])
    func badArgumentsAreEmergencies(line: String, message: String) throws {
        let (status, stderr, file) = try ProxyProcess.test(config: """
            events {}
            http { server { listen 127.0.0.1:1;
            location /app { \(line) } } }
            """)
        #expect(status != 0)
        #expect(stderr.contains("[emerg]") && stderr.contains(message) && stderr.contains("\(file):3"), "\(stderr)")
    }
}
