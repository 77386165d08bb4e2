import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// Debian's nginx files, as /etc/nginx ships them (nginx 1.22.1-9): what PHP sites include.
enum DebianFastCGIFiles {
    static let fastcgiParams = """

fastcgi_param  QUERY_STRING       $query_string;
fastcgi_param  REQUEST_METHOD     $request_method;
fastcgi_param  CONTENT_TYPE       $content_type;
fastcgi_param  CONTENT_LENGTH     $content_length;

fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param  REQUEST_URI        $request_uri;
fastcgi_param  DOCUMENT_URI       $document_uri;
fastcgi_param  DOCUMENT_ROOT      $document_root;
fastcgi_param  SERVER_PROTOCOL    $server_protocol;
fastcgi_param  REQUEST_SCHEME     $scheme;
fastcgi_param  HTTPS              $https if_not_empty;

fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;
fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;

fastcgi_param  REMOTE_ADDR        $remote_addr;
fastcgi_param  REMOTE_PORT        $remote_port;
fastcgi_param  REMOTE_USER        $remote_user;
fastcgi_param  SERVER_ADDR        $server_addr;
fastcgi_param  SERVER_PORT        $server_port;
fastcgi_param  SERVER_NAME        $server_name;

# PHP only, required if PHP was built with --enable-force-cgi-redirect
fastcgi_param  REDIRECT_STATUS    200;

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

fastcgi_param  HTTP_HOST        $host;
"""
    static let fastcgiConf = """

fastcgi_param  SCRIPT_FILENAME    $document_root$fastcgi_script_name;
fastcgi_param  QUERY_STRING       $query_string;
fastcgi_param  REQUEST_METHOD     $request_method;
fastcgi_param  CONTENT_TYPE       $content_type;
fastcgi_param  CONTENT_LENGTH     $content_length;

fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param  REQUEST_URI        $request_uri;
fastcgi_param  DOCUMENT_URI       $document_uri;
fastcgi_param  DOCUMENT_ROOT      $document_root;
fastcgi_param  SERVER_PROTOCOL    $server_protocol;
fastcgi_param  REQUEST_SCHEME     $scheme;
fastcgi_param  HTTPS              $https if_not_empty;

fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;
fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;

fastcgi_param  REMOTE_ADDR        $remote_addr;
fastcgi_param  REMOTE_PORT        $remote_port;
fastcgi_param  REMOTE_USER        $remote_user;
fastcgi_param  SERVER_ADDR        $server_addr;
fastcgi_param  SERVER_PORT        $server_port;
fastcgi_param  SERVER_NAME        $server_name;

# PHP only, required if PHP was built with --enable-force-cgi-redirect
fastcgi_param  REDIRECT_STATUS    200;
"""
    static let fastcgiPHP = """
# regex to split $uri to $fastcgi_script_name and $fastcgi_path
fastcgi_split_path_info ^(.+?\\.php)(/.*)$;

# Check that the PHP script exists before passing it
try_files $fastcgi_script_name =404;

# Bypass the fact that try_files resets $fastcgi_path_info
# see: http://trac.nginx.org/nginx/ticket/321
set $path_info $fastcgi_path_info;
fastcgi_param PATH_INFO $path_info;

fastcgi_index index.php;
include fastcgi.conf;
"""

    /// The three files in a prefix's conf/ (snippets/ included), plus a document root with PHP files.
    static var files: [String: String] {
        ["conf/fastcgi_params": fastcgiParams, "conf/fastcgi.conf": fastcgiConf, "conf/snippets/fastcgi-php.conf": fastcgiPHP,
         "html/index.php": "<?php", "html/info.php": "<?php", "html/app/run.php": "<?php"]
    }
}

/// `fastcgi_pass` end to end, against MockFastCGIBackend (a FastCGI responder that records what it got).
@Suite(.serialized) struct FastCGITests {
    /// A proxy with Debian's files and `location ~ \.php$ { include snippets/fastcgi-php.conf; fastcgi_pass …; }`.
    static func phpSite(_ backend: MockFastCGIBackend, extra: String = "", location: String = "") throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                server_name php.example;
                root html;
                index index.php;
                \(extra)
                location ~ [^/]\\.php(/|$) {
                    include snippets/fastcgi-php.conf;
                    fastcgi_pass \(backend.address);
                    \(location)
                }
            }
            """, files: DebianFastCGIFiles.files)
    }

    @Test func aPHPAppSeesDebiansParams() throws {
        let app = try MockFastCGIBackend { _ in .cgi(text: "hello from php") }
        defer { app.stop() }
        let f = try Self.phpSite(app)
        defer { f.proxy.stop() }
        let r = try f.get("/app/run.php/extra/path?a=1&b=2", headers: ["Cookie": "PHPSESSID=abc", "X-Custom-Thing": "v"])
        #expect(r.status == 200 && r.text == "hello from php")
        let seen = try #require(app.requests.first)
        let root = f.proxy.prefix + "/html"
        #expect(seen.param("SCRIPT_FILENAME") == root + "/app/run.php")
        #expect(seen.param("SCRIPT_NAME") == "/app/run.php")
        #expect(seen.param("PATH_INFO") == "/extra/path")
        #expect(seen.param("QUERY_STRING") == "a=1&b=2")
        #expect(seen.param("REQUEST_METHOD") == "GET")
        #expect(seen.param("REQUEST_URI") == "/app/run.php/extra/path?a=1&b=2")
        #expect(seen.param("DOCUMENT_ROOT") == root)
        #expect(seen.param("SERVER_SOFTWARE") == "nginx/1.22.1")
        #expect(seen.param("GATEWAY_INTERFACE") == "CGI/1.1")
        #expect(seen.param("SERVER_NAME") == "php.example")
        #expect(seen.param("SERVER_PORT") == String(f.port))
        #expect(seen.param("REMOTE_ADDR") == "127.0.0.1")
        #expect(seen.param("REDIRECT_STATUS") == "200")
        #expect(seen.param("HTTP_HOST") == "localhost")
        #expect(seen.param("HTTP_COOKIE") == "PHPSESSID=abc")
        #expect(seen.param("HTTP_X_CUSTOM_THING") == "v")
        #expect(seen.param("HTTPS") == nil)   // if_not_empty
        #expect(seen.param("CONTENT_LENGTH") == "")
        #expect(seen.stdin.isEmpty && seen.stdinRecords == [0])
        #expect(seen.keepConn == false)
        #expect(app.connections == 1)
    }

    /// fastcgi_index for a URI ending in `/`, through `index index.php` (an internal redirect to /index.php) and
    /// straight to a location that passes `/`.
    /// `fastcgi_force_ranges on`: the application's 200 (no Accept-Ranges) is cut to the client's range, as
    /// `proxy_force_ranges` does; `fastcgi_limit_rate` is a size, as nginx reads it.
    @Test func fastcgiForceRanges() throws {
        let app = try MockFastCGIBackend { _ in
            .cgi(headers: [("Content-Type", "text/plain"), ("Content-Length", "10")], text: "0123456789")
        }
        defer { app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /forced { fastcgi_pass \(app.address); fastcgi_force_ranges on; fastcgi_limit_rate 1m; }
                location /plain { fastcgi_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        let cut = try f.get("/forced", headers: ["Range": "bytes=2-4"])
        #expect(cut.status == 206 && cut.text == "234" && cut.header("Content-Range") == "bytes 2-4/10")
        #expect(try f.get("/plain", headers: ["Range": "bytes=2-4"]).status == 200)
    }

    @Test func fastcgiIndexNamesTheScriptOfADirectoryURI() throws {
        let app = try MockFastCGIBackend { _ in .cgi(text: "index") }
        defer { app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root html;
                location / {
                    include fastcgi_params;
                    fastcgi_index index.php;
                    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
                    fastcgi_pass \(app.address);
                }
            }
            """, files: DebianFastCGIFiles.files)
        defer { f.proxy.stop() }
        #expect(try f.get("/").text == "index")
        let seen = try #require(app.requests.last)
        #expect(seen.param("SCRIPT_FILENAME") == f.proxy.prefix + "/html/index.php")
        #expect(seen.param("SCRIPT_NAME") == "/index.php")
        #expect(seen.param("QUERY_STRING") == "")
    }

    /// Params set explicitly win over the client's field of the same name; a level's fastcgi_param list replaces
    /// the one above it whole; fastcgi_pass_request_headers off sends no HTTP_* at all.
    @Test func paramsInheritanceAndRequestHeaders() throws {
        let app = try MockFastCGIBackend { _ in .cgi(text: "ok") }
        defer { app.stop() }
        let f = try Fixture(http: """
            fastcgi_param OUTER outer;
            server {
                listen 127.0.0.1:PORT;
                location /inherit { fastcgi_pass \(app.address); }
                location /own {
                    fastcgi_param HTTP_HOST forced.example;
                    fastcgi_param EMPTY "" if_not_empty;
                    fastcgi_pass \(app.address);
                }
                location /noheaders { fastcgi_pass_request_headers off; fastcgi_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        _ = try f.get("/inherit", headers: ["X-Forwarded-For": "1.2.3.4"])
        _ = try f.get("/own")
        _ = try f.get("/noheaders", headers: ["X-A": "b"])
        let seen = app.requests
        try #require(seen.count == 3)
        #expect(seen[0].param("OUTER") == "outer")
        #expect(seen[0].param("HTTP_X_FORWARDED_FOR") == "1.2.3.4")
        #expect(seen[1].param("OUTER") == nil)
        #expect(seen[1].params.filter { $0.name == "HTTP_HOST" }.map(\.value) == ["forced.example"])
        #expect(seen[1].param("EMPTY") == nil)
        #expect(seen[2].param("OUTER") == "outer")
        #expect(!seen[2].params.contains { $0.name.hasPrefix("HTTP_") })
    }

    @Test func aPostBodyGoesAsStdinRecords() throws {
        let app = try MockFastCGIBackend { req in .cgi(text: "got \(req.stdin.count)") }
        defer { app.stop() }
        let f = try Self.phpSite(app)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /info.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nname=ab")
        #expect(try c.readResponse().text == "got 7")
        let small = try #require(app.requests.last)
        #expect(small.stdinText == "name=ab" && small.stdinRecords == [7, 0])
        #expect(small.param("REQUEST_METHOD") == "POST")
        #expect(small.param("CONTENT_TYPE") == "application/x-www-form-urlencoded")
        #expect(small.param("CONTENT_LENGTH") == "7")
        // 200 KiB: past client_body_buffer_size, so from the temp file, in 32 KiB records.
        let big = (0..<200 * 1024).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try c.send(Array("POST /info.php HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\n\r\n".utf8) + big)
        #expect(try c.readResponse().text == "got \(big.count)")
        let large = try #require(app.requests.last)
        #expect(large.stdin == big)
        #expect(large.stdinRecords == [Int](repeating: 32768, count: 6) + [8192, 0])
        // A chunked body is read whole, then sent with its length.
        try c.send("POST /info.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "got 5")
        #expect(app.requests.last?.stdinText == "abcde")
        #expect(app.requests.last?.param("CONTENT_LENGTH") == "5")   // nginx's length of a chunked body read whole
    }

    /// fastcgi_request_buffering off: a Content-Length body reaches the application as the client sends it.
    @Test func requestBufferingOffStreamsTheBody() throws {
        let app = try MockFastCGIBackend { req in .cgi(text: "got \(req.stdinText)") }
        defer { app.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { fastcgi_request_buffering off; fastcgi_pass \(app.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
        #expect(eventually { app.stdinBytesReceived == 5 })   // before the client sent the rest
        try c.send("56789")
        #expect(try c.readResponse().text == "got 0123456789")
        #expect(app.requests.last?.stdinRecords.last == 0)
    }

    /// fastcgi_request_buffering off with a chunked body: decoded and sent as FCGI_STDIN records as the chunks
    /// arrive (nginx's), with no CONTENT_LENGTH; a bad chunk is the client's 400; an empty body ends the stream once.
    @Test func requestBufferingOffStreamsAChunkedBody() throws {
        let app = try MockFastCGIBackend { req in .cgi(text: "got \(req.stdinText) [\(req.param("CONTENT_LENGTH") ?? "-")]") }
        defer { app.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT;
                     location / { fastcgi_request_buffering off; fastcgi_param CONTENT_LENGTH $content_length;
                                  fastcgi_pass \(app.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /upload.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n")
        #expect(eventually { app.stdinBytesReceived == 5 })   // before the client sent the rest
        try c.send("5\r\n56789\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "got 0123456789 []")
        #expect(app.requests.last?.stdinRecords.last == 0)
        try c.send("POST /e.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "got  []")
        #expect(app.requests.last?.stdinRecords == [0])
        let bad = try f.raw("POST /b.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        #expect(bad.hasPrefix("HTTP/1.1 400 "))
    }

    @Test func statusLocationAndTheResponseFraming() throws {
        let app = try MockFastCGIBackend { req in
            switch req.param("SCRIPT_NAME") ?? "" {
            case "/missing.php": return .cgi(status: "404 Not Found", text: "no such page")
            case "/login.php": return .cgi(headers: [("Location", "/welcome")], text: "")
            case "/length.php": return .cgi(headers: [("Content-Type", "text/plain"), ("Content-Length", "5")], text: "12345")
            default: return .cgi(headers: [("Content-Type", "text/plain"), ("X-Powered-By", "PHP/8.2")], text: "streamed")
            }
        }
        defer { app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { include fastcgi_params; fastcgi_param SCRIPT_NAME $fastcgi_script_name; fastcgi_pass \(app.address); }
            }
            """, files: DebianFastCGIFiles.files)
        defer { f.proxy.stop() }
        let missing = try f.get("/missing.php")
        #expect(missing.status == 404 && missing.text == "no such page" && missing.header("Status") == nil)
        let login = try f.get("/login.php")
        #expect(login.status == 302 && login.header("Location") == "/welcome")
        let length = try f.get("/length.php")
        #expect(length.header("Content-Length") == "5" && length.header("Transfer-Encoding") == nil && length.text == "12345")
        let other = try f.get("/x.php")
        #expect(other.header("Transfer-Encoding") == "chunked" && other.text == "streamed")
        #expect(other.header("X-Powered-By") == "PHP/8.2")
        #expect(other.header("Server")?.hasPrefix("switchyard") == true)
        // HTTP/1.0: no chunking, the body ends with the connection.
        let raw = try f.raw("GET /x.php HTTP/1.0\r\nHost: x\r\n\r\n")
        #expect(raw.hasPrefix("HTTP/1.1 200") && raw.hasSuffix("\r\n\r\nstreamed") && !raw.contains("chunked"))
    }

    @Test func stderrIsLoggedAndALargeResponseStreams() throws {
        let body = (0..<3 * 1024 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let app = try MockFastCGIBackend { _ in
            .cgi(headers: [("Content-Type", "application/octet-stream")], body: body,
                 stderr: ["PHP Warning:  Undefined variable $x in /srv/index.php on line 3\n"], recordSize: 65535)
        }
        defer { app.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { fastcgi_pass \(app.address); } }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/big")
        #expect(r.status == 200 && r.body.count == body.count && r.body == body)
        let log = f.logFile("logs/error.log", containing: "FastCGI sent in stderr")
        #expect(log.contains("[error]"))
        #expect(log.contains("FastCGI sent in stderr: \"PHP Warning:  Undefined variable $x in /srv/index.php on line 3\" while reading response header from upstream"))
    }

    /// X-Accel-Redirect from the application is followed (a PHP download script's idiom), unless
    /// fastcgi_ignore_headers names it.
    @Test func xAccelRedirectAndIgnoreHeaders() throws {
        let app = try MockFastCGIBackend { _ in .cgi(headers: [("X-Accel-Redirect", "/protected/file.txt")], text: "app body") }
        defer { app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /protected/ { internal; return 200 "the protected file"; }
                location /follow { fastcgi_pass \(app.address); }
                location /ignore { fastcgi_ignore_headers X-Accel-Redirect; fastcgi_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/follow/download.php").text == "the protected file")
        let ignored = try f.get("/ignore/download.php")
        #expect(ignored.text == "app body" && ignored.header("X-Accel-Redirect") == nil)
    }

    /// fastcgi_catch_stderr: a matching stderr message before the head is an invalid answer (502), logged once.
    @Test func catchStderrMakesTheAnswerInvalid() throws {
        let app = try MockFastCGIBackend { _ in .cgi(text: "page", stderr: ["PHP Fatal error: out of memory"]) }
        defer { app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /catch { fastcgi_catch_stderr "Fatal error"; fastcgi_pass \(app.address); }
                location /pass { fastcgi_catch_stderr "Parse error"; fastcgi_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/catch").status == 502)
        #expect(try f.get("/pass").text == "page")
        let log = f.logFile("logs/error.log", containing: "FastCGI sent in stderr")
        #expect(log.contains("FastCGI sent in stderr: \"PHP Fatal error: out of memory\" while reading response header from upstream"))
        #expect(log.split(separator: "\n").filter { $0.contains("FastCGI sent in stderr") }.count == 2)
        #expect(!log.contains("invalid header"))
    }

    @Test func interceptErrorsHandsTheStatusToErrorPage() throws {
        let app = try MockFastCGIBackend { _ in .cgi(status: "503 Service Unavailable", text: "php's own page") }
        defer { app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                error_page 503 /maintenance.html;
                location = /maintenance.html { return 200 "we'll be back"; }
                location /on { fastcgi_intercept_errors on; fastcgi_pass \(app.address); }
                location /off { fastcgi_pass \(app.address); }
            }
            """)
        defer { f.proxy.stop() }
        let on = try f.get("/on/x.php")
        #expect(on.status == 503 && on.text == "we'll be back")
        let off = try f.get("/off/x.php")
        #expect(off.status == 503 && off.text == "php's own page")
    }

    /// gzip, add_header, $upstream_* and the access log apply to a FastCGI answer as to a proxied one;
    /// fastcgi_hide_header and fastcgi_pass_header too.
    @Test func filtersVariablesAndLogs() throws {
        let app = try MockFastCGIBackend { _ in
            .cgi(headers: [("Content-Type", "text/html"), ("X-Secret", "s"), ("X-Accel-Buffering", "no")],
                 text: String(repeating: "compress me ", count: 200))
        }
        defer { app.stop() }
        let f = try Fixture(http: """
            log_format fcgi "$status $upstream_addr $upstream_status $upstream_http_x_secret $body_bytes_sent";
            server {
                listen 127.0.0.1:PORT;
                gzip on; gzip_min_length 10;
                location / {
                    access_log logs/access.log fcgi;
                    add_header X-Served-By switchyard;
                    fastcgi_hide_header X-Secret;
                    fastcgi_pass_header X-Accel-Buffering;
                    fastcgi_pass \(app.address);
                }
            }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/page.php", headers: ["Accept-Encoding": "gzip"])
        #expect(r.status == 200 && r.header("Content-Encoding") == "gzip")
        #expect(r.header("X-Served-By") == "switchyard")
        #expect(r.header("X-Secret") == nil && r.header("X-Accel-Buffering") == "no")
        let line = f.logFile("logs/access.log", containing: "200 ")
        #expect(line.hasPrefix("200 \(app.address) 200 s "), "\(line)")
    }

    /// fastcgi_keep_conn on with an upstream's keepalive: FCGI_KEEP_CONN is set and one connection serves every
    /// request; off (the default), the connection is closed after the request.
    @Test func keepConnReusesConnectionsThroughTheUpstreamPool() throws {
        let app = try MockFastCGIBackend { _ in .cgi(text: "ok") }
        defer { app.stop() }
        let f = try Fixture(http: """
            upstream php { server \(app.address); keepalive 4; }
            server {
                listen 127.0.0.1:PORT;
                location /keep { fastcgi_keep_conn on; fastcgi_pass php; }
                location /close { fastcgi_pass php; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<5 { #expect(try f.get("/keep").text == "ok") }
        #expect(app.connections == 1)
        #expect(app.requests.allSatisfy { $0.keepConn })
        // The first /close takes the pooled connection (as nginx's keepalive hands any request of the upstream a
        // cached one), asks without FCGI_KEEP_CONN, and closes it after: the next two open their own.
        for _ in 0..<3 { #expect(try f.get("/close").text == "ok") }
        #expect(app.connections == 3)
        #expect(app.requests.suffix(3).allSatisfy { !$0.keepConn })
    }

    /// A dead backend is a 502 (and, in an upstream, the next server is tried); garbage is a 502 with nginx's
    /// line; a backend that never answers is a 504 after fastcgi_read_timeout.
    @Test func failuresAreNginxs() throws {
        let good = try MockFastCGIBackend { _ in .cgi(text: "second server") }
        defer { good.stop() }
        let garbage = try MockFastCGIBackend { _ in FastCGIReply(stdout: [], raw: Array("HTTP/1.1 200 OK\r\n\r\n".utf8)) }
        defer { garbage.stop() }
        let hung = try MockFastCGIBackend { _ in FastCGIReply(stdout: [], hang: true) }
        defer { hung.stop() }
        let dead = deadPort()
        let f = try Fixture(http: """
            upstream pool { server 127.0.0.1:\(dead); server \(good.address); }
            server {
                listen 127.0.0.1:PORT;
                location /dead { fastcgi_pass 127.0.0.1:\(dead); }
                location /pool { fastcgi_pass pool; }
                location /garbage { fastcgi_pass \(garbage.address); }
                location /hung { fastcgi_read_timeout 300ms; fastcgi_pass \(hung.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/dead").status == 502)
        #expect(f.logFile("logs/error.log", containing: "connect() failed (111: Connection refused) while connecting to upstream")
            .contains("upstream: \"fastcgi://127.0.0.1:\(dead)\""))
        for _ in 0..<2 { #expect(try f.get("/pool").text == "second server") }
        #expect(try f.get("/garbage").status == 502)
        #expect(f.logFile("logs/error.log", containing: "upstream sent unsupported FastCGI protocol version: 72 while reading response header from upstream")
            .contains("unsupported FastCGI protocol version: 72"))
        #expect(try f.get("/hung").status == 504)
        #expect(f.logFile("logs/error.log", containing: "upstream timed out (110: Connection timed out) while reading response header from upstream")
            .contains("timed out"))
    }

    @Test func unixSocketsAndVariables() throws {
        let dir = try TempDir.make()
        let app = try MockFastCGIBackend(unixPath: dir + "/php-fpm.sock") { _ in .cgi(text: "over unix") }
        defer { app.stop() }
        let tcp = try MockFastCGIBackend { _ in .cgi(text: "over tcp") }
        defer { tcp.stop() }
        let f = try Fixture(http: """
            map $arg_to $fpm { default \(tcp.address); unix unix:\(dir)/php-fpm.sock; }
            server {
                listen 127.0.0.1:PORT;
                location /unix { fastcgi_pass unix:\(dir)/php-fpm.sock; }
                location /var { fastcgi_pass $fpm; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/unix").text == "over unix")
        #expect(try f.get("/var").text == "over tcp")
        #expect(try f.get("/var?to=unix").text == "over unix")
    }

    /// `-t` on bad arguments: nginx's `[emerg] … in file:line`.
    @Test(arguments: [
        ("fastcgi_pass 127.0.0.1:99999;", "invalid port in upstream \"127.0.0.1:99999\""),
        ("fastcgi_pass nosuchupstream;", "no port in upstream \"nosuchupstream\""),
        ("fastcgi_pass 127.0.0.1:9000; fastcgi_pass 127.0.0.1:9001;", "\"fastcgi_pass\" directive is duplicate"),
        ("fastcgi_param A b c;", "invalid parameter \"c\""),
        ("fastcgi_param A;", "invalid number of arguments in \"fastcgi_param\" directive"),
        ("fastcgi_split_path_info ^(.+\\.php)$; fastcgi_pass 127.0.0.1:9000;", "pattern \"^(.+\\.php)$\" must have 2 captures"),
        ("fastcgi_split_path_info ^(.+\\.php(/.*)$;", "pcre2_compile() failed"),
        ("fastcgi_read_timeout forever;", "\"fastcgi_read_timeout\" directive invalid value"),
        ("fastcgi_keep_conn maybe;", "invalid value \"maybe\" in \"fastcgi_keep_conn\" directive, it must be \"on\" or \"off\""),
        ("fastcgi_store on;", "\"fastcgi_store\" directive is not supported"),
    ])
    func badArgumentsAreEmergencies(line: String, message: String) throws {
        let (status, stderr, file) = try ProxyProcess.test(config: """
            events {}
            http { server { listen 127.0.0.1:1;
            location /php { \(line) } } }
            """)
        #expect(status != 0)
        #expect(stderr.contains("[emerg]") && stderr.contains(message) && stderr.contains("\(file):3"), "\(stderr)")
    }
}
