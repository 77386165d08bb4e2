@testable import Config
import Testing

/// The typed model: what each directive form becomes.
struct ModelTests {
    @Test func mainAndEvents() throws {
        let config = try load(["nginx.conf": """
            worker_processes auto;
            worker_rlimit_nofile 65535;
            pid run/s.pid;
            error_log stderr notice;
            daemon off;
            events { worker_connections 1024; use epoll; multi_accept on; }
            """])
        #expect(config.main.workerProcesses == .auto)
        #expect(config.main.workerRlimitNofile == 65535)
        #expect(config.main.pidPath == "/p/run/s.pid")
        #expect(config.main.errorLogs == [ErrorLog(path: "stderr", level: .notice)])
        #expect(config.main.daemon == false)
        #expect(config.events.workerConnections == 1024)
        #expect(config.events.method == "epoll")
        #expect(config.events.multiAccept)
        #expect(config.http == nil)
    }

    @Test func defaults() throws {
        let config = try load(["nginx.conf": "events {}\nhttp { server {} }"])
        #expect(config.main.pidPath == "/p/logs/switchyard.pid")
        #expect(config.main.workerProcesses == .count(1))
        let server = config.http!.servers[0]
        #expect(server.listens.map(\.address) == [.inet(host: "*", port: 80)])
        #expect(server.names == [.exact("")])
        let settings = server.settings
        #expect(settings.proxy.connectTimeout == .seconds(60))
        #expect(settings.proxy.tempPath == "/p/proxy_temp")
        #expect(settings.proxy.requestHeaders.map(\.name) == ["Host", "Connection"])
        #expect(settings.proxy.cache.key.source == "$scheme$proxy_host$request_uri")
        #expect(settings.client.keepaliveTimeout == .seconds(75))
        #expect(settings.client.maxBodySize == 1 << 20)
        #expect(settings.client.bodyTempPath == "/p/client_body_temp")
        #expect(settings.client.bodyTempLevels == [])
        #expect(settings.logging.accessLogs == [AccessLog(path: "/p/logs/access.log", format: "combined")])
        #expect(settings.content.documentRoot == .root("/p/html"))
        #expect(settings.content.types["HTML"] == "text/html")
        #expect(settings.gzip.enabled == false)
        #expect(config.http!.logFormat(named: "combined") != nil)
    }

    /// Every socket option sets `bind`, as nginx's lsopt.bind: the address gets its own socket.
    @Test(arguments: [
        ("listen 8080;", Listen(address: .inet(host: "*", port: 8080))),
        ("listen 127.0.0.1:8081 default_server reuseport backlog=1024;",
         Listen(address: .inet(host: "127.0.0.1", port: 8081), defaultServer: true, reuseport: true, backlog: 1024, bind: true)),
        ("listen 127.0.0.1;", Listen(address: .inet(host: "127.0.0.1", port: 80))),
        ("listen [::1]:8080 default;", Listen(address: .inet(host: "::1", port: 8080), defaultServer: true)),
        ("listen localhost:81;", Listen(address: .inet(host: "localhost", port: 81))),
        ("listen *:82 rcvbuf=64k sndbuf=1m deferred bind ipv6only=off;",
         Listen(address: .inet(host: "*", port: 82), receiveBuffer: 65536, sendBuffer: 1 << 20, deferred: true, bind: true,
                ipv6only: false)),
        ("listen unix:/tmp/s.sock;", Listen(address: .unix(path: "/tmp/s.sock"))),
        ("listen 83 fastopen=256 so_keepalive=30m::10;",
         Listen(address: .inet(host: "*", port: 83), fastOpen: 256, keepalive: ListenKeepalive(on: true, idle: 1800, count: 10), bind: true)),
        ("listen 84 so_keepalive=off;", Listen(address: .inet(host: "*", port: 84), keepalive: ListenKeepalive(on: false), bind: true)),
        ("listen 85 so_keepalive=:75s:;", Listen(address: .inet(host: "*", port: 85), keepalive: ListenKeepalive(on: true, interval: 75), bind: true)),
        ("listen 86 so_keepalive=30m;", Listen(address: .inet(host: "*", port: 86), keepalive: ListenKeepalive(on: true, idle: 1800), bind: true)),
        ("listen 87 so_keepalive=1:2;", Listen(address: .inet(host: "*", port: 87), keepalive: ListenKeepalive(on: true, idle: 1, interval: 2), bind: true)),
    ])
    func listen(line: String, expected: Listen) throws {
        let config = try load(http("server {\n\(line)\n}"))
        var listen = config.http!.servers[0].listens[0]
        listen.location = nil
        #expect(listen == expected)
    }

    @Test func serverNames() throws {
        let config = try load(http("server {\nserver_name www.A.com *.b.com .c.com www.d.* \"\" ~^(?<sub>.+)\\.e\\.com$;\n}"))
        let names = config.http!.servers[0].names
        #expect(names.count == 6)
        #expect(Array(names.prefix(5)) == [
            .exact("www.a.com"), .wildcardPrefix("*.b.com"), .wildcardPrefix(".c.com"), .wildcardSuffix("www.d.*"), .exact(""),
        ])
        guard case .regex(let pattern, let location) = names[5] else {
            Issue.record("not a regex")
            return
        }
        #expect(pattern == "^(?<sub>.+)\\.e\\.com$")
        #expect(location == SourceLocation(file: "/c/nginx.conf", line: 4))
    }

    @Test func locationForms() throws {
        let config = try load(http("""
            server {
            location = /exact {}
            location =/glued {}
            location /prefix {
                location /prefix/nested {}
                location ~ \\.php$ {}
            }
            location ^~ /static/ {}
            location ~ \\.(gif|jpg)$ {}
            location ~* \\.PNG$ {}
            location ~*\\.css$ {}
            location @fallback {}
            }
            """))
        let locations = config.http!.servers[0].locations
        #expect(locations.map(\.match) == [
            .exact("/exact"), .exact("/glued"), .prefix("/prefix"), .prefixNoRegex("/static/"),
            .regex("\\.(gif|jpg)$", caseInsensitive: false), .regex("\\.PNG$", caseInsensitive: true),
            .regex("\\.css$", caseInsensitive: true), .named("@fallback"),
        ])
        #expect(locations[2].nested.map(\.match) == [.prefix("/prefix/nested"), .regex("\\.php$", caseInsensitive: false)])
    }

    @Test func proxyPassForms() throws {
        let config = try load(http("""
            upstream tomcat-lb { server 127.0.0.1:8081; }
            server {
            location /a { proxy_pass http://tomcat-lb; }
            location /b { proxy_pass http://127.0.0.1:8091/app/; }
            location /c { proxy_pass https://localhost; }
            location /d { proxy_pass http://$backend$request_uri; }
            location /e { proxy_pass http://unix:/tmp/s.sock:/x/; }
            }
            """))
        let handlers = config.http!.servers[0].locations.map(\.handler)
        func url(_ index: Int) -> ProxyURL? {
            if case .proxy(.static(let url))? = handlers[index] { return url }
            return nil
        }
        #expect(url(0)?.target == .upstream("tomcat-lb"))
        #expect(url(0)?.hostHeader == "tomcat-lb")
        #expect(url(0)?.uri == nil)
        #expect(url(1)?.target == .address(host: "127.0.0.1", port: 8091))
        #expect(url(1)?.hostHeader == "127.0.0.1:8091")
        #expect(url(1)?.uri == "/app/")
        #expect(url(2)?.target == .address(host: "localhost", port: 443))
        #expect(url(2)?.scheme == "https")
        #expect(handlers[3] == .proxy(.dynamic(try Template("http://$backend$request_uri"))))
        #expect(url(4)?.target == .unix(path: "/tmp/s.sock"))
        #expect(url(4)?.uri == "/x/")
    }

    @Test func upstreamServers() throws {
        let config = try load(http("""
            upstream app {
            server 127.0.0.1:8081 weight=5 max_fails=3 fail_timeout=30s max_conns=100 srun_id=tomcat1 route=a;
            server 127.0.0.1:8091 backup;
            server 10.0.0.3 down drain max_busy=7 slow_start=10s;
            server unix:/tmp/app.sock;
            keepalive 16;
            keepalive_requests 500;
            keepalive_timeout 30s;
            zone app 64k;
            }
            """))
        let upstream = config.http!.upstream(named: "app")!
        let first = upstream.servers[0]
        #expect(first.address == .inet(host: "127.0.0.1", port: 8081))
        #expect(first.weight == 5)
        #expect(first.maxFails == 3)
        #expect(first.failTimeout == .seconds(30))
        #expect(first.maxConns == 100)
        #expect(first.srunID == "tomcat1")
        #expect(first.route == "a")
        #expect(upstream.servers[1].backup)
        #expect(upstream.servers[2].address == .inet(host: "10.0.0.3", port: 80))
        #expect(upstream.servers[2].down && upstream.servers[2].drain)
        #expect(upstream.servers[2].maxBusy == 7)
        #expect(upstream.servers[2].slowStart == .seconds(10))
        #expect(upstream.servers[3].address == .unix(path: "/tmp/app.sock"))
        #expect(upstream.balancing == .roundRobin)
        #expect(upstream.keepalive == 16)
        #expect(upstream.keepaliveRequests == 500)
        #expect(upstream.keepaliveTimeout == .seconds(30))
        #expect(upstream.zone?.name == "app")
        #expect(upstream.zone?.size == 65536)
    }

    @Test(arguments: [
        ("ip_hash;", Balancing.ipHash),
        ("least_conn;", .leastConn),
        ("hash $request_uri consistent;", .hash(try! Template("$request_uri"), consistent: true)),
        ("hash $cookie_x;", .hash(try! Template("$cookie_x"), consistent: false)),
        ("random two least_conn;", .random(twoLeastConn: true)),
    ])
    func balancing(line: String, expected: Balancing) throws {
        let config = try load(http("upstream a {\nserver 127.0.0.1;\n\(line)\n}"))
        #expect(config.http!.upstreams[0].balancing == expected)
    }

    @Test func balancingRedefinedWarns() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("upstream a {\nserver 127.0.0.1;\nip_hash;\nleast_conn;\n}"), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == ["[warn] load balancing method redefined in /c/nginx.conf:6"])
    }

    @Test func jvmRoute() throws {
        let config = try load(http("""
            upstream a { server 127.0.0.1 srun_id=t1; jvm_route $cookie_JSESSIONID|jsessionid reverse; }
            upstream b { server 127.0.0.1 srun_id=t1; jvm_route $cookie_JSESSIONID; }
            """))
        let a = config.http!.upstreams[0].jvmRoute!
        #expect(a.source == (try Template("$cookie_JSESSIONID")))
        #expect(a.cookieName == "JSESSIONID")
        #expect(a.sessionURLName == "jsessionid")
        #expect(a.reverse)
        let b = config.http!.upstreams[1].jvmRoute!
        #expect(b.sessionURLName == "JSESSIONID")
        #expect(!b.reverse)
    }

    @Test func sticky() throws {
        let config = try load(http("""
            upstream a { server 127.0.0.1 route=a; sticky cookie srv_id expires=1h domain=.example.com path=/ httponly secure samesite=lax; }
            upstream b { server 127.0.0.1 route=a; sticky route $route_cookie $route_uri; }
            upstream c { server 127.0.0.1; sticky learn create=$upstream_cookie_jsessionid lookup=$cookie_jsessionid zone=client_sessions:1m timeout=1h header; }
            """))
        let upstreams = config.http!.upstreams
        var cookie = StickyCookie(name: "srv_id")
        cookie.expires = .seconds(3600)
        cookie.domain = ".example.com"
        cookie.path = "/"
        cookie.httpOnly = true
        cookie.secure = true
        cookie.sameSite = "lax"
        #expect(upstreams[0].sticky == .cookie(cookie))
        #expect(upstreams[1].sticky == .route([try Template("$route_cookie"), try Template("$route_uri")]))
        var learn = StickyLearn()
        learn.create = [try Template("$upstream_cookie_jsessionid")]
        learn.lookup = [try Template("$cookie_jsessionid")]
        learn.zoneName = "client_sessions"
        learn.zoneSize = 1 << 20
        learn.timeout = .seconds(3600)
        learn.header = true
        #expect(upstreams[2].sticky == .learn(learn))
    }

    @Test func mapBlock() throws {
        let config = try load(http("""
            map $cookie_JSESSIONID $route {
                default "";
                hostnames;
                Exact.Key value;
                ~^[^.]+\\.(?<jvm>tomcat\\d+)$ $jvm;
                ~*^X x;
                \\~tilde t;
            }
            """))
        let map = config.http!.maps[0]
        #expect(map.variable == "route")
        #expect(map.source == (try Template("$cookie_JSESSIONID")))
        #expect(map.hostnames)
        #expect(map.defaultValue.pieces == [])
        #expect(map.entries.map(\.key) == [
            .exact("exact.key"), .regex("^[^.]+\\.(?<jvm>tomcat\\d+)$", caseInsensitive: false),
            .regex("^X", caseInsensitive: true), .exact("~tilde"),
        ])
        #expect(map.entries[1].value == (try Template("$jvm")))
    }

    @Test func rewriteScript() throws {
        let config = try load(http("""
            server {
            set $a 1;
            rewrite ^/old/(.*)$ /new/$1 permanent;
            location / {
                rewrite ^/x$ /y last;
                return 301 https://$host$request_uri;
            }
            location /r { return https://example.com; }
            location /t { return 200 "ok\\n"; break; }
            }
            """))
        let server = config.http!.servers[0]
        #expect(server.rewrites.count == 2)
        guard case .rewrite(let rewrite) = server.rewrites[1] else {
            Issue.record("not a rewrite")
            return
        }
        #expect(rewrite.pattern == "^/old/(.*)$")
        #expect(rewrite.flag == .permanent)
        #expect(rewrite.replacement.highestCapture == 1)
        let location = server.locations[0]
        guard case .return(let action) = location.rewrites[1] else {
            Issue.record("not a return")
            return
        }
        #expect(action.code == 301)
        #expect(action.value == (try Template("https://$host$request_uri")))
        guard case .return(let redirect) = server.locations[1].rewrites[0] else {
            Issue.record("not a return")
            return
        }
        #expect(redirect.code == 302)
        #expect(server.locations[2].rewrites.count == 2)
        #expect(server.locations[2].rewrites[1] == .break)
    }

    @Test func contentDirectives() throws {
        let config = try load(http("""
            types { text/html html; application/json json JSON; }
            server {
            location /a {
                expires 30d;
                add_header X-A $host always;
                error_page 502 503 =200 /fallback;
                error_page 404 = @missing;
                alias /srv/a/;
                index index.htm index.html;
                charset utf-8;
                internal;
            }
            location /b { expires modified -1h; root www; }
            location /c { expires @15h30m; }
            location /d { expires epoch; }
            location /e { stub_status; }
            location /f { upstream_status; }
            }
            """))
        let locations = config.http!.servers[0].locations
        let a = locations[0].settings.content
        #expect(a.expires == .after(.seconds(30 * 86400)))
        #expect(a.addHeaders.map(\.name) == ["X-A"])
        #expect(a.addHeaders[0].always)
        #expect(a.errorPages.map(\.codes) == [[502, 503], [404]])
        #expect(a.errorPages.map(\.response) == [.code(200), .fromTarget])
        #expect(a.documentRoot == .alias("/srv/a/"))
        #expect(a.index == ["index.htm", "index.html"])
        #expect(a.charset == "utf-8")
        #expect(a.isInternal)
        #expect(a.types["json"] == "application/json")
        #expect(a.types["gif"] == nil)
        #expect(locations[1].settings.content.expires == .afterModified(.seconds(-3600)))
        #expect(locations[1].settings.content.documentRoot == .root("/p/www"))
        #expect(locations[2].settings.content.expires == .dailyAt(.seconds(15 * 3600 + 1800)))
        #expect(locations[3].settings.content.expires == .epoch)
        #expect(locations[4].handler == .stubStatus)
        #expect(locations[5].handler == .upstreamStatus)
    }

    @Test func proxyAndCacheDirectives() throws {
        let config = try load(http("""
            proxy_cache_path cache levels=1:2 keys_zone=cache_one:200m inactive=1d max_size=30g use_temp_path=off;
            server {
            location / {
                proxy_pass http://127.0.0.1:8081;
                proxy_http_version 1.1;
                proxy_redirect off;
                proxy_next_upstream error timeout http_502 non_idempotent;
                proxy_next_upstream_tries 3;
                proxy_buffers 4 128k;
                proxy_hide_header X-Powered-By;
                proxy_hide_header Server;
                proxy_cache cache_one;
                proxy_cache_valid 200 302 1h;
                proxy_cache_valid any 10m;
                proxy_cache_valid 5m;
                proxy_cache_key $host$uri$is_args$args;
                proxy_cache_use_stale error updating;
                proxy_cache_methods POST;
                proxy_cache_lock on;
                proxy_ignore_headers set-cookie Expires;
            }
            location /r { proxy_pass http://127.0.0.1:8081; proxy_redirect http://a/ /; proxy_redirect ~*^http://b(.*)$ $1; proxy_redirect default; }
            }
            """))
        let cachePath = config.http!.cachePaths[0]
        #expect(cachePath.path == "/p/cache")
        #expect(cachePath.levels == [1, 2])
        #expect(cachePath.zoneName == "cache_one")
        #expect(cachePath.zoneSize == 200 << 20)
        #expect(cachePath.inactive == .seconds(86400))
        #expect(cachePath.maxSize == 30 << 30)
        #expect(!cachePath.useTempPath)
        let proxy = firstLocation(config).settings.proxy
        #expect(proxy.httpVersion == .http11)
        #expect(proxy.redirect == .off)
        #expect(proxy.nextUpstream == [.error, .timeout, .http502, .nonIdempotent])
        #expect(proxy.nextUpstreamTries == 3)
        #expect(proxy.buffers == BufferCount(count: 4, size: 128 << 10))
        #expect(proxy.hideHeaders == ["X-Powered-By", "Server"])
        #expect(proxy.cache.zone == "cache_one")
        #expect(proxy.cache.valid == [
            CacheValid(codes: .list([200, 302]), time: .seconds(3600)), CacheValid(codes: .any, time: .seconds(600)),
            CacheValid(codes: .list([200, 301, 302]), time: .seconds(300)),
        ])
        #expect(proxy.cache.key.source == "$host$uri$is_args$args")
        #expect(proxy.cache.useStale == ["error", "updating"])
        #expect(proxy.cache.methods == ["GET", "HEAD", "POST"])
        #expect(proxy.cache.lock)
        #expect(proxy.ignoreHeaders == ["Set-Cookie", "Expires"])
        let redirect = config.http!.servers[0].locations[1].settings.proxy.redirect
        #expect(redirect == .rules([
            .literal(try Template("http://a/"), replacement: try Template("/")),
            .regex("^http://b(.*)$", caseInsensitive: true, replacement: try Template("$1")), .default,
        ]))
    }

    @Test func gzipDirectives() throws {
        let config = try load(http("""
            gzip on;
            gzip_min_length 1k;
            gzip_buffers 4 16k;
            gzip_http_version 1.0;
            gzip_comp_level 9;
            gzip_types text/plain application/xml;
            gzip_vary on;
            gzip_proxied expired no-cache any;
            gzip_disable "MSIE [1-6]\\." msie6;
            """))
        let gzip = config.http!.settings.gzip
        #expect(gzip.enabled)
        #expect(gzip.minLength == 1024)
        #expect(gzip.buffers == BufferCount(count: 4, size: 16384))
        #expect(gzip.httpVersion == .http10)
        #expect(gzip.compLevel == 9)
        #expect(gzip.types == ["text/html", "text/plain", "application/xml"])
        #expect(gzip.vary)
        #expect(gzip.proxied == [.expired, .noCache, .any])
        #expect(gzip.disable == ["MSIE [1-6]\\.", "msie6"])
        #expect(gzip.staticMode == .off)
    }

    /// `gzip_static` at every level, inherited where a level leaves it unset; its words in any case, as nginx's
    /// enum slot reads them.
    @Test func gzipStaticAtEachLevel() throws {
        let config = try load(http("""
            gzip_static on;
            server {
                location / {}
                location /assets/ { gzip_static ALWAYS; location /assets/old/ { gzip_static off; } }
            }
            server { gzip_static Off; location / {} }
            """))
        #expect(config.http!.settings.gzip.staticMode == .on)
        let first = config.http!.servers[0].locations
        #expect(first[0].settings.gzip.staticMode == .on)
        #expect(first[1].settings.gzip.staticMode == .always)
        #expect(first[1].nested[0].settings.gzip.staticMode == .off)
        #expect(config.http!.servers[1].locations[0].settings.gzip.staticMode == .off)
    }

    @Test func logFormatsAndAccessLogs() throws {
        let config = try load(http("""
            log_format main escape=json '$remote_addr "$request" '
                                        '$status';
            access_log logs/main.log main buffer=32k flush=5s;
            server { access_log off; }
            """))
        let format = config.http!.logFormat(named: "main")!
        #expect(format.escape == .json)
        #expect(format.template.source == "$remote_addr \"$request\" $status")
        let log = config.http!.settings.logging.accessLogs[0]
        #expect(log.path == "/p/logs/main.log")
        #expect(log.format == "main")
        #expect(log.bufferSize == 32768)
        #expect(log.flush == .seconds(5))
        #expect(config.http!.servers[0].settings.logging.accessLogs == [])
    }

    /// `access_log off` beside other access_log lines at one level wins wherever it stands (nginx's off flag for the
    /// level); the lines before it were written on. A level below still sets its own.
    @Test func accessLogOffWinsAtItsLevel() throws {
        let config = try load(http("""
            server { access_log logs/a.log; access_log off; location /l { access_log logs/l.log; } }
            server { access_log off; access_log logs/b.log; }
            server { access_log logs/c.log; access_log logs/d.log; }
            """))
        let servers = config.http!.servers
        #expect(servers[0].settings.logging.accessLogs == [])
        #expect(servers[0].locations[0].settings.logging.accessLogs.map(\.path) == ["/p/logs/l.log"])
        #expect(servers[1].settings.logging.accessLogs == [])
        #expect(servers[2].settings.logging.accessLogs.map(\.path) == ["/p/logs/c.log", "/p/logs/d.log"])
    }

    @Test func clientDirectives() throws {
        let config = try load(http("""
            keepalive_timeout 65 60;
            keepalive_requests 100;
            client_header_timeout 60s;
            client_body_timeout 1m;
            client_max_body_size 10m;
            client_body_buffer_size 1m;
            client_header_buffer_size 2k;
            large_client_header_buffers 8 16k;
            max_headers 50;
            client_body_temp_path temp/body 1 2;
            sendfile on;
            tcp_nodelay off;
            """))
        let client = config.http!.settings.client
        #expect(client.keepaliveTimeout == .seconds(65))
        #expect(client.keepaliveHeaderTimeout == .seconds(60))
        #expect(client.keepaliveRequests == 100)
        #expect(client.headerTimeout == .seconds(60))
        #expect(client.bodyTimeout == .seconds(60))
        #expect(client.maxBodySize == 10 << 20)
        #expect(client.bodyBufferSize == 1 << 20)
        #expect(client.headerBufferSize == 2048)
        #expect(client.largeHeaderBuffers == BufferCount(count: 8, size: 16384))
        #expect(client.maxHeaders == 50)
        #expect(try load(http("server { listen 80; }")).http!.servers[0].settings.client.maxHeaders == 1000)
        #expect(loadError(http("max_headers 1k;")) == "\"max_headers\" directive invalid number in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { max_headers 5; } }")) == "\"max_headers\" directive is not allowed here in /c/nginx.conf:3")
        #expect(client.bodyTempPath == "/p/temp/body")
        #expect(client.bodyTempLevels == [1, 2])
        #expect(client.sendfile)
        #expect(!client.tcpNodelay)
    }

    /// `listen`, upstream `server` and `proxy_pass` tell an IPv4 literal from a name that must resolve.
    @Test(arguments: [
        ("127.0.0.1", true), ("0.0.0.0", true), ("255.255.255.255", true), ("01.2.3.4", true),
        ("256.0.0.1", false), ("1.2.3", false), ("1.2.3.4.", false), ("1..2.3", false), (".1.2.3", false),
        ("1234.1.1.1", false), ("1.2.3.4.5", false), ("", false), ("localhost", false), ("1.2.3.x", false),
        ("\u{0663}.2.3.4", false), ("+1.2.3.4", false),
    ] as [(String, Bool)])
    func ipv4Literals(text: String, isIPv4: Bool) {
        #expect(HostPort.isIPv4(text) == isIPv4)
    }
}
