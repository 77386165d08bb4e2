@testable import Config
import Testing

/// Configurations nginx 1.22 loads that switchyard refused, found by running both `-t`s over nginx's test suite's
/// configurations and their mutations: each loads now, with nginx's meaning.
struct NginxLoadsTests {
    /// nginx's bitmask and enum slots compare with ngx_strcasecmp.
    @Test func keywordsInAnyCase() throws {
        let config = try load(http("""
            proxy_next_upstream Error timeout HTTP_502;
            proxy_cache_use_stale Updating;
            gzip_proxied Any;
            keepalive_disable MSIE6;
            satisfy ANY;
            ssl_protocols TLSV1.2;
            limit_req_log_level Warn;
            userid ON;
            server { listen 80; }
            """))
        let s = config.http!.servers[0].settings
        #expect(s.proxy.nextUpstream == [.error, .timeout, .http502])
        #expect(s.proxy.cache.useStale == ["updating"])
        #expect(s.gzip.proxied == [.any])
        #expect(s.client.keepaliveDisable == [.msie6])
        #expect(s.access.satisfyAny)
        #expect(s.ssl.protocols == [.tls1_2])
        #expect(s.limits.requestLogLevel == .warn)
        #expect(s.userid.mode == .on)
        #expect(loadError(http("proxy_next_upstream HTTP_999;")) == "invalid value \"HTTP_999\" in /c/nginx.conf:3")
    }

    /// ngx_http_types_slot: a second `gzip_types` adds to the first (a type given twice is a `[warn]`), `*` ends the
    /// list; the same for ssi_types, sub_filter_types and addition_types.
    @Test func typeListsAddUp() throws {
        var diagnostics: [ConfigDiagnostic] = []
        let config = try load(http("""
            gzip_types text/css;
            gzip_types application/JSON text/css;
            ssi_types text/plain;
            ssi_types *;
            ssi_types text/xml;
            sub_filter_types a/b;
            sub_filter_types c/d;
            addition_types e/f;
            server { listen 80; }
            """), diagnostics: &diagnostics)
        let s = config.http!.servers[0].settings
        #expect(s.gzip.types == ["text/html", "text/css", "application/json"])
        #expect(s.ssi.types == ["*"])
        #expect(s.subFilter.types == ["text/html", "a/b", "c/d"])
        #expect(s.addition.types == ["text/html", "e/f"])
        #expect(diagnostics.map(\.description) == ["[warn] duplicate MIME type \"text/css\" in /c/nginx.conf:4"])
    }

    /// log_format: names match in any case, and each argument is compiled on its own (a variable ends with its
    /// argument, as nginx's ngx_http_log_compile_format reads them).
    @Test func logFormats() throws {
        let config = try load(http("""
            log_format Main '$remote_addr $status' 'ms';
            server { listen 80; access_log /p/a.log main; access_log /p/b.log COMBINED; }
            """))
        let format = try #require(config.http!.logFormat(named: "MAIN"))
        #expect(format.template.pieces == [.variable("remote_addr"), .literal(Array(" ".utf8)), .variable("status"),
                                           .literal(Array("ms".utf8))])
        #expect(config.http!.logFormat(named: "Combined")?.name == "combined")
        #expect(loadError(http("log_format x '$status' '$';")) == "invalid variable name in /c/nginx.conf:3")
    }

    /// The cache paths' loader and manager pacing parameters, checked as nginx checks them.
    @Test func cachePathPacing() throws {
        let config = try load(http("""
            proxy_cache_path /p/c keys_zone=c:1m loader_files=50 loader_sleep=10ms loader_threshold=1s
                             manager_files=20 manager_sleep=5 manager_threshold=300ms;   # a bare number: seconds
            fastcgi_cache_path /p/f keys_zone=f:1m manager_sleep=50ms;
            """))
        let pacing = config.http!.cachePaths[0].pacing
        #expect(pacing.loaderFiles == 50 && pacing.loaderSleepMillis == 10 && pacing.loaderThresholdMillis == 1000)
        #expect(pacing.managerFiles == 20 && pacing.managerSleepMillis == 5000 && pacing.managerThresholdMillis == 300)
        #expect(config.http!.cachePaths[1].pacing.managerSleepMillis == 50)
        #expect(config.http!.cachePaths[1].pacing.loaderFiles == nil)
        #expect(loadError(http("proxy_cache_path /p/c keys_zone=c:1m manager_files=x;"))
            == "invalid manager_files value \"manager_files=x\" in /c/nginx.conf:3")
        #expect(loadError(http("proxy_cache_path /p/c keys_zone=c:1m loader_sleep=soon;"))
            == "invalid loader_sleep value \"loader_sleep=soon\" in /c/nginx.conf:3")
    }

    /// gzip_window and gzip_hash become zlib's window bits and memLevel, as nginx turns them.
    @Test func gzipWindowAndHash() throws {
        let config = try load(http("gzip_window 4k; gzip_hash 16k; server { listen 80; location / { gzip_window 512; } }"))
        let server = config.http!.servers[0]
        #expect(server.settings.gzip.windowBits == 12 && server.settings.gzip.memLevel == 5)
        #expect(server.locations[0].settings.gzip.windowBits == 9 && server.locations[0].settings.gzip.memLevel == 5)
        let plain = try load(http("server { listen 80; }")).http!.servers[0].settings.gzip
        #expect(plain.windowBits == 15 && plain.memLevel == 8)
        #expect(loadError(http("gzip_window 3k;")) == "\"gzip_window\" directive must be 512, 1k, 2k, 4k, 8k, 16k, or 32k in /c/nginx.conf:3")
        #expect(loadError(http("gzip_hash 256;")) == "\"gzip_hash\" directive must be 512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k in /c/nginx.conf:3")
        #expect(loadError(http("gzip_window 1k; gzip_window 1k;")) == "\"gzip_window\" directive is duplicate in /c/nginx.conf:3")
    }

    /// Directives of nginx's event and gzip modules that tune what switchyard does not have: accepted, checked.
    @Test func tuningDirectivesAreAccepted() throws {
        _ = try load(["nginx.conf": """
            events { debug_connection 127.0.0.1; epoll_events 512; worker_aio_requests 32; }
            http { gzip_no_buffer on; postpone_gzipping 1k; }
            """])
        #expect(loadError(["nginx.conf": "events { epoll_events x; }\nhttp {}\n"]) == "\"epoll_events\" directive invalid number in /c/nginx.conf:1")
        #expect(loadError(http("debug_connection 127.0.0.1;")) == "\"debug_connection\" directive is not allowed here in /c/nginx.conf:3")
    }
}

/// `listen` with a port range (Debian's nginx 1.22 has it): one listening address per port, the parameters on each.
struct ListenPortRangeTests {
    @Test func aRangeListensOnEachPort() throws {
        let config = try load(http("""
            server { listen 127.0.0.1:8100-8102 reuseport; listen [::1]:8200-8201; listen 8300-8300 default_server; }
            """))
        let listens = config.http!.servers[0].listens
        #expect(listens.map(\.address.description) == ["127.0.0.1:8100", "127.0.0.1:8101", "127.0.0.1:8102",
                                                       "[::1]:8200", "[::1]:8201", "0.0.0.0:8300"])
        #expect(listens[0..<3].allSatisfy(\.reuseport) && listens[5].defaultServer)
    }

    @Test(arguments: [
        ("127.0.0.1:8101-8100", "invalid port range in \"127.0.0.1:8101-8100\" of the \"listen\" directive"),
        ("127.0.0.1:0-5", "invalid port in \"127.0.0.1:0-5\" of the \"listen\" directive"),
        ("8100-70000", "invalid port in \"8100-70000\" of the \"listen\" directive"),
        ("127.0.0.1:81-x", "invalid port in \"127.0.0.1:81-x\" of the \"listen\" directive"),
    ])
    func nginxsMessages(address: String, message: String) {
        #expect(loadError(http("server { listen \(address); }")) == message + " in /c/nginx.conf:3")
    }

    @Test func overlappingRangesAreDuplicates() {
        #expect(loadError(http("server { listen 127.0.0.1:80-82; listen 127.0.0.1:82; }"))
            == "a duplicate listen 127.0.0.1:82 in /c/nginx.conf:3")
    }
}

/// Content handlers as nginx sets them: the last handler directive of a location answers, only a `*_pass` given
/// twice is a duplicate, switchyard's own pages refuse company, and `stub_status` may stand at server level.
struct HandlerTests {
    @Test func theLastHandlerAnswers() throws {
        let config = try load(http("""
            server { listen 80; stub_status;
                     location /a { proxy_pass http://127.0.0.1:81; flv; }
                     location /b { flv; proxy_pass http://127.0.0.1:81; }
                     location /c { stub_status; stub_status; empty_gif; empty_gif; }
                     location /d { proxy_pass http://127.0.0.1:81; fastcgi_pass 127.0.0.1:9000; } }
            """))
        let server = config.http!.servers[0]
        #expect(server.handler == .stubStatus)
        #expect(server.locations[0].handler == .flv)
        if case .proxy? = server.locations[1].handler {} else { Issue.record("proxy_pass, written last, answers /b") }
        #expect(server.locations[2].handler == .emptyGIF)
        if case .cgi(.fastcgi, _)? = server.locations[3].handler {} else { Issue.record("fastcgi_pass answers /d") }
        #expect(try load(http("server { listen 80; }")).http!.servers[0].handler == nil)
    }

    @Test func duplicatesNginxRefuses() {
        #expect(loadError(http("server { location / { proxy_pass http://127.0.0.1:81; proxy_pass http://127.0.0.1:82; } }"))
            == "\"proxy_pass\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { fastcgi_pass 127.0.0.1:1; flv; fastcgi_pass 127.0.0.1:2; } }"))
            == "\"fastcgi_pass\" directive is duplicate in /c/nginx.conf:3")   // nginx checks fastcgi's own setting
        #expect(loadError(http("server { location / { metrics; flv; } }")) == "\"flv\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { if ($args) { stub_status; } } }"))
            == "\"stub_status\" directive is not allowed here in /c/nginx.conf:3")
    }
}

/// An empty file or URL in an ssl directive is none, as nginx reads it: it undoes an inherited value.
struct EmptySSLValuesTests {
    @Test func emptyIsUnset() throws {
        let config = try load(http("""
            ssl_crl /c/crl.pem;
            ssl_trusted_certificate /c/ca.pem;
            proxy_ssl_crl /c/crl.pem;
            ssl_ocsp_responder http://ocsp.test/;
            server { listen 80; ssl_crl ""; ssl_trusted_certificate ""; ssl_ocsp_responder "";
                     location / { proxy_ssl_crl ""; proxy_ssl_trusted_certificate ""; } }
            """))
        let server = config.http!.servers[0]
        #expect(config.http!.settings.ssl.crl?.path == "/c/crl.pem")
        #expect(server.settings.ssl.crl == nil && server.settings.ssl.trustedCertificate == nil)
        #expect(server.settings.ssl.ocspResponder == nil)
        #expect(server.locations[0].settings.proxySSL.crl == nil)
        #expect(server.locations[0].settings.proxySSL.trustedCertificate == nil)
        #expect(server.settings.proxySSL.crl?.path == "/c/crl.pem")
    }
}

/// Contexts and repeats nginx allows: `fastcgi_split_path_info` at every level (a second one replaces the first),
/// `post_action` in a location's `if`, `open_log_file_cache … min_uses=0`.
struct NginxContextsTests {
    @Test func accepted() throws {
        let config = try load(http("""
            fastcgi_split_path_info ^(.+)(.*)$;
            open_log_file_cache max=3 min_uses=0;
            server { listen 80;
                     location / { fastcgi_split_path_info ^(a)(b)$; fastcgi_split_path_info ^(.+\\.php)(/.+)$; }
                     location /p { if ($args) { post_action /after; } } }
            """))
        #expect(config.http!.settings.fastcgi.splitPathInfo?.pattern == "^(.+)(.*)$")
        #expect(config.http!.servers[0].locations[0].settings.fastcgi.splitPathInfo?.pattern == "^(.+\\.php)(/.+)$")
        #expect(loadError(http("server { location / { if ($args) { fastcgi_split_path_info ^(a)(b)$; } } }"))
            == "\"fastcgi_split_path_info\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("server { if ($args) { post_action /p; } }"))
            == "\"post_action\" directive is not allowed here in /c/nginx.conf:3")
    }
}

/// Empty values and argument counts nginx refuses, where switchyard's `-t` passed them.
struct EmptyValuesNginxRefusesTests {
    @Test(arguments: [
        ("server { location / { rewrite ^ \"\" redirect; } }", "empty replacement"),
        ("server { location / { index a.html \"\"; } }", "index \"\" in \"index\" directive is invalid"),
        ("server { listen \"\"; }", "no host in \"\" of the \"listen\" directive"),
        ("geo \"\" $g { default 1; }", "invalid variable name \"\""),
        ("server { location / { proxy_cookie_flags b secure httponly samesite=lax nosecure; } }",
         "invalid number of arguments in \"proxy_cookie_flags\" directive"),
        // One argument is only `off`: a cookie needs a flag (the config-diff mutation round).
        ("server { location / { proxy_cookie_flags on; } }", "invalid parameter \"on\""),
        ("server { location / { proxy_cookie_flags $arg_c; } }", "invalid parameter \"$arg_c\""),
        ("server { location / { proxy_cookie_flags \"\"; } }", "invalid parameter \"\""),
    ])
    func refused(config: String, message: String) {
        #expect(loadError(http(config)) == message + " in /c/nginx.conf:3")
    }
}

/// What the config-diff mutation round found `-t` passing where nginx 1.22.1 refuses (each checked with `nginx -t`).
struct MutationsNginxRefusesTests {
    /// A hash size of 0 leaves nginx no table to build: refused, with no file and line, when there are keys for it.
    @Test(arguments: [
        ("variables_hash_max_size 0;", "could not build variables_hash, you should increase variables_hash_max_size: 0"),
        ("variables_hash_bucket_size 0;", "could not build variables_hash, you should increase variables_hash_bucket_size: 0"),
        ("server_names_hash_bucket_size 0; server { listen 127.0.0.1:8080; } server { listen 127.0.0.1:8080; server_name b; }",
         "could not build server_names_hash, you should increase server_names_hash_bucket_size: 0"),
        ("server_names_hash_max_size 0; server_names_hash_bucket_size 0; server { listen 127.0.0.1:8080; server_name a; } server { listen 127.0.0.1:8080; server_name ~b; }",
         "could not build server_names_hash, you should increase server_names_hash_max_size: 0"),
        ("map_hash_max_size 0; map $uri $x { a 1; }", "could not build map_hash, you should increase map_hash_max_size: 0"),
        // Nothing to build: loaded.
        ("server_names_hash_bucket_size 0; server { listen 127.0.0.1:8080; server_name a; } server { listen 127.0.0.1:8081; }", "loaded"),
        ("map_hash_bucket_size 0; map $uri $x { default 1; ~^/a 2; }", "loaded"),
    ])
    func zeroHashSizes(config: String, message: String) {
        #expect(loadError(http(config)) == message)
    }

    /// The types and proxy headers tables: every server builds them (with its own or the http block's sizes), a
    /// deeper level again only with its own `types {}` or proxy header directives.
    @Test(arguments: [
        ("types_hash_max_size 0; server { listen 127.0.0.1:8080; }", "types_hash_max_size"),
        ("server { listen 127.0.0.1:8080; types_hash_max_size 0; }", "types_hash_max_size"),
        ("server { listen 127.0.0.1:8080; location / { types_hash_max_size 0; location /a { types { } } } }", "types_hash_max_size"),
        ("types_hash_bucket_size 0; server { listen 127.0.0.1:8080; types { text/html html; } }", "types_hash_bucket_size"),
        ("proxy_headers_hash_max_size 0; server { listen 127.0.0.1:8080; location / { return 200; } }", "proxy_headers_hash_max_size"),
        ("proxy_headers_hash_max_size 0; server { listen 127.0.0.1:8080; location / { proxy_headers_hash_max_size 512; proxy_pass http://127.0.0.1:1; } }",
         "proxy_headers_hash_max_size"),
        ("server { listen 127.0.0.1:8080; location / { proxy_hide_header X-A; proxy_headers_hash_max_size 0; } }", "proxy_headers_hash_max_size"),
        ("server { listen 127.0.0.1:8080; location / { proxy_headers_hash_max_size 0; location /a { proxy_set_header X a; } } }",
         "proxy_headers_hash_max_size"),
        ("server { listen 127.0.0.1:8080; location / { proxy_pass_header Server; proxy_headers_hash_bucket_size 0; } }", "proxy_headers_hash_bucket_size"),
        // A level that builds nothing of its own shares its parent's table: loaded.
        ("types_hash_max_size 0; proxy_headers_hash_max_size 0;", nil),
        // The http block's own tables are not built (nothing merges into it); a server's are.
        ("types_hash_max_size 0; types { text/html html; } proxy_headers_hash_max_size 0; proxy_set_header X a;", nil),
        ("proxy_headers_hash_max_size 0; proxy_set_header X a; server { listen 127.0.0.1:8080; }", "proxy_headers_hash_max_size"),
        ("types { text/html html; } server { listen 127.0.0.1:8080; location / { types_hash_max_size 0; } }", nil),
        ("server { listen 127.0.0.1:8080; location / { proxy_pass http://127.0.0.1:1; proxy_headers_hash_max_size 0; } }", nil),
    ] as [(String, String?)])
    func zeroLevelHashSizes(config: String, directive: String?) {
        let expected = directive.map { d in
            "could not build \(d.hasPrefix("types") ? "types" : "proxy_headers")_hash, you should increase \(d): 0"
        } ?? "loaded"
        #expect(loadError(http(config)) == expected)
    }

    /// debug_connection takes `unix:`, an address or block, or a name nginx resolves; nginx says it found no host
    /// for anything else.
    @Test(arguments: [
        ("\"\"", "host not found in debug_connection \"\" in /c/nginx.conf:1"),
        ("$foo", "host not found in debug_connection \"$foo\" in /c/nginx.conf:1"),
        ("unix:", "loaded"), ("127.0.0.1", "loaded"), ("10.0.0.0/8", "loaded"), ("::1", "loaded"), ("localhost", "loaded"),
    ])
    func debugConnection(argument: String, message: String) {
        #expect(loadError(["nginx.conf": "events { debug_connection \(argument); }\nhttp { }"]) == message)
    }
}
