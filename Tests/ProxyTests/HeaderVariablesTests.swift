import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// Header variables and header edits as nginx's http_headers_multi.t, headers.t and http_host.t describe them:
/// what a client sees in the response head.
@Suite(.serialized) struct HeaderVariablesTests {
    /// Repeated request fields are one value joined with ", " ("; " for Cookie); `$remote_user` is the Basic
    /// user; `$host` has no port and no trailing dot.
    @Test func requestFieldVariablesJoinRepeatedFields() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / {
                    add_header X-Foo $http_foo; add_header X-Cookie $http_cookie; add_header X-CT $content_type;
                    add_header X-User $remote_user; add_header X-Host $host;
                    return 204;
                }
            }
            """)
        defer { f.proxy.stop() }
        let r = try f.raw("GET / HTTP/1.1\r\nHost: Example.COM.:8080\r\nFoo: a\r\nFoo: b\r\nCookie: x=1\r\nCookie: y=2\r\n"
                        + "Content-Type: t1\r\nContent-Type: t2\r\nAuthorization: Basic dXNlcjpzZWNyZXQ=\r\nConnection: close\r\n\r\n")
        #expect(r.contains("X-Foo: a, b\r\n"), "\(r)")
        #expect(r.contains("X-Cookie: x=1; y=2\r\n"), "\(r)")
        #expect(r.contains("X-CT: t1, t2\r\n"), "\(r)")
        #expect(r.contains("X-User: user\r\n"), "\(r)")
        #expect(r.contains("X-Host: example.com\r\n"), "\(r)")
        let v6 = try f.raw("GET / HTTP/1.0\r\nHost: [::1]:80\r\n\r\n")
        #expect(v6.contains("X-Host: [::1]\r\n"), "\(v6)")
        let twice = try f.raw("GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: x\r\nIf-None-Match: y\r\n\r\n")
        #expect(twice.hasPrefix("HTTP/1.1 400 "), "\(twice)")
    }

    /// An access log writes `-` for a variable that is not there, and nothing for one that is there but empty: a
    /// missing header vs an empty one, `set $x ""`, an empty `$uri` (a bad path); `?x=` and `Cookie: x=` hold an
    /// empty `$arg_x` and `$cookie_x`, and `$host` and `$server_name` are always there (empty without a Host and
    /// a server_name). A query string is never there empty: `/b?` logs `-`, as nginx's.
    @Test func logLinesTellNotFoundFromEmpty() throws {
        let f = try Fixture(http: """
            log_format v "[$args][$http_x_e][$sent_http_x_s][$mine][$uri]";
            log_format w "[$arg_x][$cookie_x][$host][$server_name]";
            server {
                listen 127.0.0.1:PORT;
                access_log logs/v.log v;
                access_log logs/w.log w;
                location / { set $mine $arg_m; add_header X-S $arg_s; return 204; }
            }
            """)
        defer { f.proxy.stop() }
        _ = try f.raw("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        _ = try f.raw("GET /b? HTTP/1.1\r\nHost: h\r\nX-E:\r\nConnection: close\r\n\r\n")
        _ = try f.raw("GET /../c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        let log = f.logFile("logs/v.log", containing: "[]\n")
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.contains("[-][-][-][][/a]"), "\(log)")   // $mine was set (to the empty $arg_m)
        #expect(lines.contains("[-][][-][][/b]"), "\(log)")   // an empty query is not there either (nginx 1.22.1)
        // 400 before the rewrite phase: nothing was set, and a variable only `set` declares reads empty (nginx:
        // `[-][-][-][][]` and `using uninitialized "mine" variable while logging request`).
        #expect(lines.contains("[-][-][-][][]"), "\(log)")
        _ = try f.raw("GET /d?x= HTTP/1.0\r\nCookie: x=\r\n\r\n")
        let empties = f.logFile("logs/w.log", containing: "[][][][]")
        #expect(empties.contains("[-][-][h][]"), "\(empties)")
        #expect(empties.contains("[][][][]"), "\(empties)")
    }

    /// `$body_bytes_sent` is what went to the client after the head, as nginx counts it: a chunked answer's
    /// framing, a compressed body as compressed, an error page. It counted the payload only (100 for 111 bytes
    /// sent chunked).
    @Test(arguments: ["/chunked", "/gzip", "/missing"])
    func bodyBytesSentIsWhatFollowedTheHead(_ path: String) throws {
        let text = String(repeating: "abcdefghij", count: 50)
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/plain")], body: Array(text.utf8), chunked: true)
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            log_format sent "$uri $body_bytes_sent";
            server {
                listen 127.0.0.1:PORT;
                access_log logs/sent.log sent;
                location /chunked { proxy_pass http://\(backend.address); }
                location /gzip { proxy_pass http://\(backend.address); gzip on; gzip_types text/plain; }
                location /missing { root /nonexistent; }
            }
            """)
        defer { f.proxy.stop() }
        let bytes = try f.rawBytes("GET \(path) HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n").bytes
        let headEnd = try #require((3..<bytes.count).first { bytes[($0 - 3)...$0].elementsEqual([13, 10, 13, 10]) })
        let body = bytes.count - (headEnd + 1)
        let log = f.logFile("logs/sent.log", containing: path)
        #expect(log.contains("\(path) \(body)\n"), "\(log) against \(body) body bytes received")
    }

    /// Variables nginx has that were refused at load: `$request_completion` ("OK" once the response went out whole,
    /// empty for `return 444` and while the answer is being made), `$tcpinfo_*` (the client socket's TCP_INFO) and
    /// `$upstream_trailer_NAME` (not found: upstream trailers are not kept, as in nginx 1.22's proxy).
    @Test func completionTCPInfoAndTrailerVariables() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            log_format c '$uri [$request_completion] $tcpinfo_rtt $tcpinfo_rttvar $tcpinfo_snd_cwnd $tcpinfo_rcv_space '
                         '[$upstream_trailer_x_t]';
            server {
                listen 127.0.0.1:PORT;
                access_log logs/c.log c;
                location /made { return 200 "made"; }
                # nginx keeps a variable's first value: a log of this request would say "" too, so none is written.
                location /inline { access_log off; return 200 "[$request_completion]"; }
                location /p { proxy_pass http://\(backend.address); }
                location /close { return 444; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/inline").text == "[]")
        #expect(try f.get("/made").text == "made")
        #expect(try f.get("/p").text == "ok")
        _ = try f.raw("GET /close HTTP/1.1\r\nHost: h\r\n\r\n")
        let log = f.logFile("logs/c.log", containing: "/close ")
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(log)")
        func fields(_ prefix: String) -> [Substring] {
            lines.first { $0.hasPrefix(prefix) }?.split(separator: " ") ?? []
        }
        for (uri, completion) in [("/made", "[OK]"), ("/p", "[OK]"), ("/close", "[]")] {
            let line = fields(uri + " ")
            #expect(line.count == 7 && line[1] == completion, "\(log)")
            #expect(line.count == 7 && line[2...5].allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }, "\(log)")
            #expect(line.last == "[-]", "\(log)")
        }
        #expect(Int(fields("/p ").dropFirst(4).first ?? "") ?? 0 > 0, "\(log)")   // snd_cwnd
    }

    /// `$sent_http_NAME` in add_header sees the fields added before it; `$upstream_http_NAME` joins repeated
    /// upstream fields; a repeated upstream Expires keeps its first value; add_header ETag '' removes the ETag.
    @Test func responseFieldVariablesAndReplacedFields() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Bar", "one"), ("Bar", "two"), ("Expires", "foo"), ("Expires", "bar"), ("ETag", "\"e\"")],
                         text: "ok")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /s {
                    add_header Link foo; add_header Link bar;
                    add_header X-Sent-Link $sent_http_link;
                    return 204;
                }
                location /u {
                    add_header X-Up-Bar $upstream_http_bar;
                    add_header ETag '';
                    proxy_pass http://\(backend.address);
                }
                location /t {
                    add_trailer Foo a; add_trailer Foo b; add_trailer X-Sent-Foo $sent_trailer_foo;
                    return 200 "";
                }
            }
            """)
        defer { f.proxy.stop() }
        let s = try f.raw("GET /s HTTP/1.0\r\n\r\n")
        #expect(s.contains("X-Sent-Link: foo, bar\r\n"), "\(s)")
        let u = try f.raw("GET /u HTTP/1.0\r\n\r\n")
        #expect(u.contains("X-Up-Bar: one, two\r\n"), "\(u)")
        #expect(u.contains("Expires: foo\r\n") && !u.contains("bar\r\n\r\n") && !u.contains("Expires: bar"), "\(u)")
        #expect(!u.contains("ETag"), "\(u)")
        let t = try f.raw("GET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(t.hasSuffix("0\r\nFoo: a\r\nFoo: b\r\nX-Sent-Foo: a, b\r\n\r\n"), "\(t)")
    }

    /// A `#fragment` is not part of `$uri` or `$args`; stub_status answers GET and HEAD only.
    @Test func fragmentsAndStubStatusMethods() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { add_header X-URI "$uri"; add_header X-Args "$args"; return 204; }
                location /stub { stub_status; }
            }
            """)
        defer { f.proxy.stop() }
        let dot = try f.raw("GET /a/b/..#frag HTTP/1.0\r\n\r\n")
        #expect(dot.contains("X-URI: /a/\r\n"), "\(dot)")
        let args = try f.raw("GET http://localhost?x=1#frag HTTP/1.0\r\n\r\n")
        #expect(args.contains("X-URI: /\r\n") && args.contains("X-Args: x=1\r\n"), "\(args)")
        let post = try f.raw("POST /stub HTTP/1.0\r\n\r\n")
        #expect(post.hasPrefix("HTTP/1.1 405 "), "\(post)")
    }

    /// A `map` result is computed once per request (it survives an internal redirect) unless `volatile`.
    @Test func mapResultsAreCachedPerRequestUnlessVolatile() throws {
        let f = try Fixture(http: """
            map $uri $cached { default $uri; }
            map $uri $fresh { volatile; default $uri; }
            server {
                listen 127.0.0.1:PORT;
                location /one { set $a $cached; set $b $fresh; rewrite ^ /two last; }
                location /two { add_header X-Cached $cached; add_header X-Fresh $fresh; return 204; }
            }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/one")
        #expect(r.header("X-Cached") == "/one")
        #expect(r.header("X-Fresh") == "/two")
    }
}
