import Glibc
import SwitchyardTestSupport
import Testing

/// The rewrite module end to end: `if` and its conditions, the script order of `rewrite`/`set`/`return`/`break`,
/// args handling, the cycle limit, and the variables the scripts read.
@Suite(.serialized) struct RewriteTests {
    @Test func ifConditions() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /var { if ($arg_c) { return 204; } return 200 "no"; }
                location /eq { if ($arg_c = 1) { return 204; } return 200 "no"; }
                location /ne { if ($arg_c != 2) { return 204; } return 200 "no"; }
                location /re { if ($arg_c ~ ^f(o+)$) { return 200 "o:$1"; } return 200 "no"; }
                location /rei { if ($arg_c ~* ^FOO$) { return 204; } return 200 "no"; }
                location /nre { if ($arg_c !~ foo) { return 204; } return 200 "no"; }
                location /file { if (-f /etc/passwd) { return 204; } return 200 "no"; }
                location /dir { if (-d /$arg_c) { return 204; } return 200 "no"; }
                location /exists { if (!-e /no/such/$arg_c) { return 204; } return 200 "no"; }
                location /exec { if (-x /bin/sh) { return 204; } return 200 "no"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/var?c=1").status == 204)
        #expect(try f.get("/var?c=0").text == "no")
        #expect(try f.get("/var").text == "no")
        #expect(try f.get("/eq?c=1").status == 204)
        #expect(try f.get("/eq?c=2").text == "no")
        #expect(try f.get("/ne?c=1").status == 204)
        #expect(try f.get("/ne?c=2").text == "no")
        #expect(try f.get("/re?c=fooo").text == "o:ooo")
        #expect(try f.get("/re?c=bar").text == "no")
        #expect(try f.get("/rei?c=foo").status == 204)
        #expect(try f.get("/nre?c=bar").status == 204)
        #expect(try f.get("/nre?c=foo").text == "no")
        #expect(try f.get("/file").status == 204)
        #expect(try f.get("/dir?c=tmp").status == 204)
        #expect(try f.get("/dir?c=etc/passwd").text == "no")
        #expect(try f.get("/exists?c=x").status == 204)
        #expect(try f.get("/exec").status == 204)
    }

    /// The file variables real configs test with `if` (jenkins.io's `if (!-f $request_filename)`, the SPA
    /// fallback): `$request_filename` is root + URI (alias: the alias for the location's prefix),
    /// `$document_root` the root or alias, `$realpath_root` that with its links resolved. `$http2` is empty.
    @Test func fileVariables() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root site;
                location / {
                    if (!-f $request_filename) { rewrite ^ /index.html break; }
                    add_header X-File $request_filename;
                    add_header X-Root $document_root;
                }
                location /a/ { alias site/b/; return 200 "$request_filename|$document_root|[$http2]"; }
                location /real { root link; return 200 "$realpath_root"; }
            }
            """, files: ["site/index.html": "app\n", "site/asset.css": "css\n", "site/b/x": "x\n"])
        defer { f.proxy.stop() }
        let prefix = f.proxy.prefix
        #expect(symlink(prefix + "/site", prefix + "/link") == 0)
        let asset = try f.get("/asset.css")
        #expect(asset.text == "css\n")
        #expect(asset.header("X-File") == prefix + "/site/asset.css")
        #expect(asset.header("X-Root") == prefix + "/site")
        #expect(try f.get("/some/route").text == "app\n")
        #expect(try f.get("/a/x").text == "\(prefix)/site/b/x|\(prefix)/site/b/|[]")
        #expect(try f.get("/real").text == prefix + "/site")
    }

    @Test func ifInALocationAppliesItsSettings() throws {
        let a = try MockBackend(name: "a") { req in MockResponse(text: "a \(req.target)") }
        defer { a.stop() }
        let b = try MockBackend(name: "b") { req in MockResponse(text: "b \(req.target)") }
        defer { b.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / {
                    add_header X-Outer 1;
                    if ($http_x_to_b) { proxy_pass http://\(b.address); add_header X-Inner 1; }
                    proxy_pass http://\(a.address);
                }
            }
            """)
        defer { f.proxy.stop() }
        let plain = try f.get("/p")
        #expect(plain.text == "a /p")
        #expect(plain.header("X-Outer") == "1")
        let toB = try f.get("/p", headers: ["X-To-B": "yes"])
        #expect(toB.text == "b /p")
        #expect(toB.header("X-Inner") == "1")
        #expect(toB.header("X-Outer") == nil)   // the if's own add_header replaces the inherited ones, as in nginx
    }

    @Test func scriptRunsInOrderWithBreakAndServerLevel() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                set $s "server";
                if ($arg_deny) { return 403; }
                rewrite ^/srv/(.*)$ /b/$1;
                location /a { set $x 1; rewrite ^ /b; set $x 2; }
                location /b { return 200 "b $uri $s"; }
                location /brk { set $x 1; break; set $x 2; return 200 "never"; }
                location /brk2 { rewrite ^ /elsewhere break; return 200 "unreached"; }
                location /ret { set $x 1; return 200 "x=$x"; set $x 2; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/a").text == "b /b server")          // a rewrite without flag searches again at the end
        #expect(try f.get("/srv/z").text == "b /b/z server")   // server level runs before the search
        #expect(try f.get("/b?deny=1").status == 403)
        #expect(try f.get("/brk").status == 404)               // break: no more rewrite directives, static files
        #expect(try f.get("/brk2").status == 404)
        #expect(try f.get("/ret").text == "x=1")
    }

    /// A server's rewrite rules run once, in nginx's server rewrite phase. A URI no location matches gets no
    /// location rewrite phase (ngx_http_rewrite_handler skips the server's own location), so the rules do not run
    /// again on the rewritten URI: that made `/public/public/p.txt` (404) with `break`, a cycle (500) with `last`.
    @Test func serverRewriteRunsOnceWhenNoLocationMatches() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; server_name brk; root site; rewrite ^/(.*)$ /public/$1 break; }
            server { listen 127.0.0.1:PORT; server_name lst; root site; rewrite ^/(.*)$ /public/$1 last; }
            server {
                listen 127.0.0.1:PORT; server_name beside; root site;
                rewrite ^/static/(.*)$ /static/v2/$1 last;
                location /api/ { return 200 "api"; }
            }
            server { listen 127.0.0.1:PORT; server_name set; root site; set $n "${n}x"; add_header X-N $n; }
            """, files: ["site/public/p.txt": "pub\n", "site/static/v2/app.js": "v2\n", "site/p.txt": "root\n"])
        defer { f.proxy.stop() }
        #expect(try TestClient.get(port: f.port, "/p.txt", host: "brk").text == "pub\n")
        #expect(try TestClient.get(port: f.port, "/p.txt", host: "lst").text == "pub\n")
        #expect(try TestClient.get(port: f.port, "/static/app.js", host: "beside").text == "v2\n")
        #expect(try TestClient.get(port: f.port, "/p.txt", host: "set").header("X-N") == "x")
    }

    /// A URI changed by `rewrite` is internal, as nginx marks it (r->internal): an `internal` location takes it,
    /// whether the rewrite is a location's `last`, the server's, inside `if`, or without a flag. The client asking
    /// for that location itself still gets 404. It was refused, 404.
    /// A declared body over a location's client_max_body_size is refused with 413 in each location the request
    /// reaches, as nginx's find-config phase does (a try_files fallback used to skip the check).
    @Test func rewrittenURIReachesAnInternalLocation() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                rewrite ^/srv/(.*)$ /protected/$1 last;
                location /protected/ { internal; alias site/files/; }
                location /dl/ { rewrite ^/dl/(.*)$ /protected/$1 last; }
                location /dlif/ { if ($arg_ok) { rewrite ^/dlif/(.*)$ /protected/$1 last; } return 403; }
                location /dln/ { rewrite ^/dln/(.*)$ /protected/$1; }
                location /up { rewrite ^ /small last; }
                location /tf { try_files /nope /small; }
                location /small { client_max_body_size 10; return 200 "small"; }
                location /big { client_max_body_size 10; error_page 413 /toolarge; return 200 "big"; }
                location /toolarge { client_max_body_size 10; return 200 "too large"; }
            }
            """, files: ["site/files/a.txt": "secret\n"])
        defer { f.proxy.stop() }
        #expect(try f.get("/dl/a.txt").text == "secret\n")
        #expect(try f.get("/srv/a.txt").text == "secret\n")
        #expect(try f.get("/dlif/a.txt?ok=1").text == "secret\n")
        #expect(try f.get("/dln/a.txt").text == "secret\n")
        #expect(try f.get("/protected/a.txt").status == 404)
        for path in ["/up", "/tf", "/small"] {
            let c = try f.client()
            try c.send("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + String(repeating: "x", count: 100))
            #expect(try c.readResponse().status == 413, "\(path)")
        }
        let c = try f.client()   // the 413's error_page is served, not refused again
        try c.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + String(repeating: "x", count: 100))
        let page = try c.readResponse()
        #expect(page.status == 413 && page.text == "too large")
    }

    @Test func rewriteArgsAndRedirects() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /add { rewrite ^ /show?c=d last; }
                location /drop { rewrite ^ /show? last; }
                location /keep { rewrite ^ /show last; }
                location /show { return 200 "uri:$uri args:$args is:$is_args"; }
                location /r1 { rewrite ^ http://example.com/?c=d redirect; }
                location /r2 { rewrite ^ http://example.com/?c=d? permanent; }
                location /setargs { set $args "x=1"; return 200 "$args $arg_x"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/add?a=b").text == "uri:/show args:c=d&a=b is:?")
        #expect(try f.get("/drop?a=b").text == "uri:/show args: is:")
        #expect(try f.get("/keep?a=b").text == "uri:/show args:a=b is:?")
        let r1 = try f.get("/r1?a=b")
        #expect(r1.status == 302)
        #expect(r1.header("Location") == "http://example.com/?c=d&a=b")
        let r2 = try f.get("/r2?a=b")
        #expect(r2.status == 301)
        #expect(r2.header("Location") == "http://example.com/?c=d")
        #expect(try f.get("/setargs?q=2").text == "x=1 1")
    }

    /// A capture copied into new args is escaped for the query when the path came percent-encoded: `%25` in
    /// the path is `%` in `$uri` and stays `%25` in `$args` (nginx-tests rewrite.t "escape with added args").
    @Test func capturesInNewArgsAreEscaped() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /dup { rewrite ^(.*) $1?c=$1; return 200 "uri:$uri args:$args"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/dup/%25%20x?a=b").text == "uri:/dup/% x args:c=/dup/%25%20x&a=b")
        #expect(try f.get("/dup/plain?a=b").text == "uri:/dup/plain args:c=/dup/plain&a=b")
    }

    /// Captures going into args, or into a redirect, are escaped with nginx's whole NGX_ESCAPE_ARGS set once the
    /// path came with a `%` or a `+`: a `+` stays a `+` and not a space (`u=a%2Bb`), RFC 3986's disallowed bytes
    /// are escaped, and a redirect keeps `"` as `%22` (nginx's redirect unescape decodes only bytes above `%`).
    /// Escaped before: controls, space, `#%&+;?` and bytes from DEL up, and only for a path with a `%`.
    @Test func capturesInArgsAndRedirectsUseNginxsArgsEscaping() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: req.target) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /show { return 200 "args=$args"; }
                location /c1/ { rewrite ^/c1/(.*)$ /show?u=$1 last; }
                location /c2/ { rewrite ^/c2/(.*)$ /show?u=$1 redirect; }
                location /c3/ { rewrite ^/c3/(.*)$ /show/$1 redirect; }
                location /p/ { rewrite ^/p/(.*)$ /hdr?u=$1 break; proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/c1/a+b").text == "args=u=a%2Bb")
        #expect(try f.get("/c1/a%3Cb%5E%60").text == "args=u=a%3Cb%5E%60")
        #expect(try f.get("/c1/plain").text == "args=u=plain")
        #expect(try f.get("/c2/a%22b").header("Location")?.hasSuffix("/show?u=a%22b") == true)
        #expect(try f.get("/c2/a+b").header("Location")?.hasSuffix("/show?u=a%2Bb") == true)
        #expect(try f.get("/c3/a%22b").header("Location")?.hasSuffix("/show/a%22b") == true)
        #expect(try f.get("/c3/a%7Cb").header("Location")?.hasSuffix("/show/a|b") == true)   // `|` is above `%`
        #expect(try f.get("/p/a%3Cb").text == "/hdr?u=a%3Cb")
    }

    @Test func rewriteCycleEndsIn500() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { rewrite ^ /again last; } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/x").status == 500)
        #expect(f.logFile("logs/error.log", containing: "cycle").contains("rewrite or internal redirection cycle"))
    }

    /// `rewrite … last` cycles and internal redirects share nginx's one count of URI changes (r->uri_changes):
    /// the 11th change of either kind is a 500. Each used to have its own count, so a chain alternating them
    /// never reached the limit.
    @Test func rewritesAndInternalRedirectsShareTheChangeLimit() throws {
        var chain = ""
        for i in 0...10 {   // /m0 → /m1 … → /m11: even steps rewrite, odd ones are try_files fallbacks
            chain += i % 2 == 0 ? "location = /m\(i) { rewrite ^ /m\(i + 1) last; }\n"
                : "location = /m\(i) { try_files /nope /m\(i + 1); }\n"
        }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                \(chain)
                location ~ ^/m\\d+$ { return 200 "end $uri"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/m1").text == "end /m11")   // ten changes
        #expect(try f.get("/m0").status == 500)        // eleven
        #expect(f.logFile("logs/error.log", containing: "cycle").contains("rewrite or internal redirection cycle"))
    }

    @Test func namedCapturesFromServerNameAndLocation() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; server_name ~^(?<sub>[a-z]+)\\.example\\.com$;
                location ~ ^/u/(?<uid>\\d+)$ { return 200 "sub=$sub uid=$uid 1=$1"; }
                location / { return 200 "sub=$sub"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try TestClient.get(port: f.port, "/u/42", host: "www.example.com").text == "sub=www uid=42 1=42")
        #expect(try TestClient.get(port: f.port, "/", host: "api.example.com").text == "sub=api")
    }

    /// A map regex's named groups are variables once the map is evaluated and the regex matched, as nginx's are:
    /// read after the map's result, in the same value or in a later one (a log line); not set before.
    @Test func namedCapturesFromAMapRegex() throws {
        let f = try Fixture(http: """
            map $http_host $tenant { default none; ~^(?<tname>[a-z]+)\\.apps\\.test$ $tname; }
            log_format t '$tenant $tname';
            server { listen 127.0.0.1:PORT; access_log logs/t.log t;
                location / { return 200 "tenant=$tenant name=$tname"; }
                location /only { return 200 "name=[$tname]"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try TestClient.get(port: f.port, "/", host: "bar.apps.test").text == "tenant=bar name=bar")
        #expect(try TestClient.get(port: f.port, "/", host: "other.test").text == "tenant=none name=")
        #expect(try TestClient.get(port: f.port, "/only", host: "bar.apps.test").text == "name=[]")
        #expect(f.logFile("logs/t.log", containing: "bar bar\n").contains("none -\n"))
    }

    @Test func mapHostnamesAndCaseInsensitiveKeys() throws {
        let f = try Fixture(http: """
            map $arg_h $m {
                hostnames;
                default none;
                example.com exact;
                *.example.com left;
                .dot.example.com dot;
                example.* right;
                ~^RE\\.org$ regex;
                ~^RE\\.org$ second;
            }
            server { listen 127.0.0.1:PORT; location / { return 200 "$m"; } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/?h=EXAMPLE.com.").text == "exact")
        #expect(try f.get("/?h=a.example.com").text == "left")
        #expect(try f.get("/?h=dot.example.com").text == "dot")
        #expect(try f.get("/?h=a.dot.example.com").text == "dot")
        #expect(try f.get("/?h=example.org").text == "right")
        #expect(try f.get("/?h=RE.org").text == "regex")
        #expect(try f.get("/?h=other").text == "none")
    }

    /// A generated map of 20,000 exact keys (and a regex after them) loads and answers for its first, middle and
    /// last keys, case-insensitively, and the default for a key it lacks.
    @Test func largeMapResolvesFirstMiddleAndLastKeys() throws {
        let n = 20_000
        let lines = (1...n).map { "/p\($0) v\($0);" } + ["~^/re/(?<id>\\d+)$ r$id;"]
        let f = try Fixture(http: """
            map $uri $bigmap { default none; include map.conf; }
            server { listen 127.0.0.1:PORT; location / { return 200 "$bigmap"; } }
            """, files: ["conf/map.conf": lines.joined(separator: "\n") + "\n"])
        defer { f.proxy.stop() }
        #expect(try f.get("/p1").text == "v1")
        #expect(try f.get("/p\(n / 2)").text == "v\(n / 2)")
        #expect(try f.get("/P\(n)").text == "v\(n)")
        #expect(try f.get("/re/42").text == "r42")
        #expect(try f.get("/p\(n + 1)").text == "none")
    }

    @Test func upstreamByteCountsPerTry() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "hello") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            log_format u "$upstream_response_length:$upstream_bytes_received:$upstream_bytes_sent:$arg_:$pipe";
            server { listen 127.0.0.1:PORT;
                location / { proxy_pass http://\(backend.address); access_log logs/u.log u; } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").text == "hello")
        let line = f.logFile("logs/u.log", containing: ":.")
        let fields = line.split(separator: "\n").first.map { $0.split(separator: ":", omittingEmptySubsequences: false) } ?? []
        #expect(fields.count == 5)
        #expect(fields.first == "5")
        #expect((Int(fields.count > 1 ? fields[1] : "") ?? 0) > 5)    // head and body
        #expect((Int(fields.count > 2 ? fields[2] : "") ?? 0) > 10)   // the request head
        #expect(fields.last == ".")
    }

    @Test func errorPageTargetsRunTheirScript() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /e404 { error_page 404 /r405; return 404; }
                location /e405 { error_page 405 /r200text; return 405; }
                location /e405redirect { error_page 405 /redir; return 405; }
                location /r405 { return 405; }
                location /r200text { return 200 "text"; }
                location /redir { rewrite ^ http://example.com/ redirect; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/e404").status == 405)
        let text = try f.get("/e405")
        #expect(text.status == 405)
        #expect(text.text == "text")
        let redirect = try f.get("/e405redirect")
        #expect(redirect.status == 302)
        #expect(redirect.header("Location") == "http://example.com/")
    }

    @Test func breakAfterRewriteSendsTheChangedURIUpstream() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: req.target) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /app/ { rewrite ^/app/(.*)$ /users?name=$1 break; proxy_pass http://\(backend.address)/ignored/; }
                location /plain/ { proxy_pass http://\(backend.address)/inner/; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/app/bob").text == "/users?name=bob")
        #expect(try f.get("/plain/x").text == "/inner/x")
    }

    /// Empty args write no `?`: nginx adds `?args` only when r->args is not empty, so `try_files … /x?$args` or
    /// `rewrite ^ /x?$args break` sends `/x` upstream for a request without a query (it went up as `/x?`), and a
    /// directory's (or a proxied location's) slash redirect for `GET /dir?` is `/dir/`.
    @Test func emptyArgsAddNoQuestionMark() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: req.target) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root site;
                location /wp/ { try_files $uri $uri/ /hdr/index.php?$args; }
                location /rb/ { rewrite ^ /hdr/x?$args break; proxy_pass http://\(backend.address); }
                location /hdr/ { proxy_pass http://\(backend.address); }
                location /api/ { proxy_pass http://\(backend.address)/in/; }
            }
            """, files: ["site/dir/index.html": "d\n"])
        defer { f.proxy.stop() }
        #expect(try f.get("/wp/x").text == "/hdr/index.php")
        #expect(try f.get("/wp/x?a=1").text == "/hdr/index.php?a=1")
        #expect(try f.get("/rb/").text == "/hdr/x")
        #expect(try f.get("/rb/?a=1").text == "/hdr/x?a=1&a=1")   // no trailing `?`: the request's args go after
        #expect(try f.get("/api/y?").text == "/in/y")
        #expect(try f.get("/dir?").header("Location")?.hasSuffix("/dir/") == true)
        #expect(try f.get("/api?").header("Location")?.hasSuffix("/api/") == true)
    }

    @Test func serverNameVariableIsTheFirstNameAsWritten() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; server_name *.wc.example.com; location / { return 200 "$server_name"; } }
            server { listen 127.0.0.1:PORT; server_name .dot.example.com; location / { return 200 "$server_name"; } }
            server { listen 127.0.0.1:PORT; server_name ~^RE\\.example$; location / { return 200 "$server_name"; } }
            """)
        defer { f.proxy.stop() }
        #expect(try TestClient.get(port: f.port, "/", host: "a.wc.example.com").text == "*.wc.example.com")
        #expect(try TestClient.get(port: f.port, "/", host: "www.dot.example.com").text == "dot.example.com")
        #expect(try TestClient.get(port: f.port, "/", host: "re.example").text == "~^RE\\.example$")
    }

    /// `uninitialized_variable_warn` (on by default): a variable only `set` declares, read before any `set`
    /// ran, is warned about once a request, as nginx's rewrite getter does, and is then an empty value, found,
    /// so a log writes nothing for it (a named capture that did not match stays `-`). Off in a location, no
    /// warning. It used to read as absent (`-`), silently.
    @Test func uninitializedVariableWarn() throws {
        let f = try Fixture(http: """
            log_format u '[$foo] [$quiet]';
            server {
                listen 127.0.0.1:PORT;
                access_log logs/u.log u;
                location / { if ($arg_a) { set $foo 1; } return 200 "foo=$foo"; }
                location /off { uninitialized_variable_warn off; return 200 "foo=$foo"; }
                location ~ ^/cap/(?<quiet>.*)$ { return 200 "q=$quiet"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").text == "foo=")
        #expect(try f.get("/?a=1").text == "foo=1")
        #expect(try f.get("/off").text == "foo=")
        #expect(try f.get("/cap/x").text == "q=x")
        let log = f.logFile("logs/u.log", containing: "[x]")
        #expect(log == "[] [-]\n[1] [-]\n[] [-]\n[] [x]\n")
        // One for `/` (its body; the log line of that request reads the value kept), one for `/cap/x`'s log line.
        let warnings = f.errorLog().split(separator: "\n").filter { $0.contains("[warn]") }
        #expect(warnings.count == 2 && warnings.allSatisfy { $0.contains("using uninitialized \"foo\" variable") },
                "\(warnings)")
    }
}

/// A redirect's Location is unescaped as nginx's NGX_UNESCAPE_REDIRECT does: an argument carrying a URL arrives
/// readable, a CR LF stays escaped, and the part after the first `?` is left as it came (rewrite_unescape.t).
@Suite(.serialized) struct RewriteRedirectUnescapeTests {
    @Test func redirectTargetIsUnescapedUpToItsQuery() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /t1 { rewrite ^ $arg_r? redirect; }
                location /t2 { rewrite ^ http://example.com/$arg_r; }
                location /ret { return 302 http://x/$arg_r; }
                location /t4 { rewrite ^(.*) http://example.com$1 redirect; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/t1?r=http%3A%2F%2Fexample.com%2F%3Ffrom%3Dx").header("Location")
            == "http://example.com/?from%3Dx")
        #expect(try f.get("/t1?r=http%3A%2F%2Fexample.com%0D%0Asplit").header("Location")
            == "http://example.com%0D%0Asplit")
        #expect(try f.get("/t2?r=a%2Fb&k=v").header("Location") == "http://example.com/a/b?r=a%2Fb&k=v")
        // A capture of a path that came escaped is escaped again first (nginx's result, TODO in nginx-tests).
        #expect(try f.get("/t4/blah%20%3Fblah").header("Location") == "http://example.com/t4/blah%20?blah")
        #expect(try f.get("/t4/plain").header("Location") == "http://example.com/t4/plain")
        // `return` sends its text as it is.
        #expect(try f.get("/ret?r=a%2Fb").header("Location") == "http://x/a%2Fb")
    }

    /// nginx keeps the proxy_pass an earlier matched `if` set as the content handler when a later matched `if`
    /// sets none; in a location without proxy_pass it then has no upstream: `[alert] no upstream configuration`
    /// and a 500 (nginx-tests proxy_if.t). A later `if` inside a proxying location proxies as its location does.
    @Test func aProxyPassFromAnEarlierIfHasNoUpstreamInALaterOne() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: "backend \(req.target)") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /crash {
                    set $true 1;
                    if ($true) { proxy_pass http://\(backend.address); }
                    if ($true) { }
                }
                location /one { if ($arg_p) { proxy_pass http://\(backend.address); } }
                location /proxied {
                    proxy_pass http://\(backend.address);
                    if ($arg_a) { }
                    if ($arg_b) { }
                }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/crash").status == 500)
        #expect(f.errorLog().contains("[alert]") && f.errorLog().contains("no upstream configuration"))
        #expect(try f.get("/one?p=1").text == "backend /one?p=1")
        #expect(try f.get("/one").status == 404)
        #expect(try f.get("/proxied?a=1&b=1").text == "backend /proxied?a=1&b=1")
    }

}
