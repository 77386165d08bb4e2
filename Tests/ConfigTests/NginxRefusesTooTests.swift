@testable import Config
import Testing

/// Numbers and temp path levels as nginx 1.22.1 reads them, which `make config-diff` found switchyard reading
/// otherwise.
struct NginxLevelsAndCountsTests {
    /// ngx_conf_set_path_slot: up to three levels, together at most 10 digits; switchyard spreads request bodies
    /// over all of them (the levels of proxy_temp_path and the CGI family's are checked only).
    @Test func tempPathLevelsAsNginxTakesThem() throws {
        let config = try load(http("""
            client_body_temp_path body 4 4 2; proxy_temp_path proxy 3 1; fastcgi_temp_path fcgi 10;
            """))
        #expect(config.http!.settings.client.bodyTempLevels == [4, 4, 2])
        #expect(config.http!.settings.proxy.tempPath == "/p/proxy")
    }

    /// `off` anywhere among open_file_cache's parameters turns it off, as nginx reads them in order.
    @Test func fileCacheOffWinsWhereverItStands() {
        #expect(loadError(http("open_file_cache off max=1;")) == "loaded")
        #expect(loadError(http("open_log_file_cache max=10 off;")) == "loaded")
    }
}

/// Configurations `make config-diff` found switchyard loading and nginx 1.22.1 refusing: refused now, in nginx's
/// words.
struct NginxRefusesTooTests {
    /// Numbers nginx reads with ngx_atoi take no sign: Swift's `Int("+5")` did.
    @Test(arguments: [
        ("open_file_cache max=+5;", "invalid \"open_file_cache\" parameter \"max=+5\""),
        ("open_log_file_cache max=5 min_uses=+1;", "invalid \"open_log_file_cache\" parameter \"min_uses=+1\""),
        ("proxy_cache_valid +200 1m;", "invalid status \"+200\""),
        ("error_page +404 /x;", "invalid value \"+404\""),
        ("error_page 404 =+200 /x;", "invalid value \"=+200\""),
        ("access_log /p/a.log combined gzip=+5;", "invalid compression level \"+5\""),
        ("server { listen 80 backlog=+5; }", "invalid backlog \"backlog=+5\""),
        ("server { listen 80 fastopen=+5; }", "invalid fastopen \"fastopen=+5\""),
        ("server { listen 80 so_keepalive=1:1:+3; }", "invalid so_keepalive value: \"1:1:+3\""),
        ("ssl_session_cache builtin:+100;", "invalid session cache \"builtin:+100\""),
        ("server { location / { proxy_pass http://127.0.0.1:+80; } }", "invalid port in upstream \"127.0.0.1:+80\""),
        ("server { location / { fastcgi_pass 127.0.0.1:+9000; } }", "invalid port in upstream \"127.0.0.1:+9000\""),
        ("upstream u { server 127.0.0.1:+80; }", "invalid port in upstream \"127.0.0.1:+80\""),
        ("proxy_cache_path /p/c levels=+1:2 keys_zone=c:1m;", "invalid \"levels\" \"levels=+1:2\""),
        ("upstream u { server 127.0.0.1; keepalive +2; }", "invalid value \"+2\" in \"keepalive\" directive"),
        ("upstream u { server 127.0.0.1; keepalive two; }", "invalid value \"two\" in \"keepalive\" directive"),
        ("upstream u { server 127.0.0.1; keepalive 0; }", "invalid value \"0\" in \"keepalive\" directive"),
    ])
    func signedNumbers(config: String, message: String) {
        #expect(loadError(http(config)) == message + " in /c/nginx.conf:3")
    }

    /// ngx_conf_set_path_slot's "invalid value": a level that is no number, 0, or levels over 10 digits.
    @Test(arguments: [
        ("proxy_temp_path temp/p bogus;", "proxy_temp_path"),
        ("proxy_temp_path temp/p 0;", "proxy_temp_path"),
        ("fastcgi_temp_path temp/f +1;", "fastcgi_temp_path"),
        ("uwsgi_temp_path temp/u 11;", "uwsgi_temp_path"),
        ("client_body_temp_path temp/b 4 4 3;", "client_body_temp_path"),
    ])
    func tempPathLevels(config: String, name: String) {
        #expect(loadError(http(config)) == "\"\(name)\" directive invalid value in /c/nginx.conf:3")
    }

    /// nginx 1.22's memcached_pass has no variables: the text is an address or an implicit upstream as written.
    @Test func memcachedPassTakesNoVariables() {
        #expect(loadError(http("server { location / { memcached_pass $http_foo; } }"))
            == "no port in upstream \"$http_foo\" in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { memcached_pass $host:11211; } }"))
            == "host not found in upstream \"$host\" in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { fastcgi_pass $host:9000; } }")) == "loaded")
    }
}

/// Configurations both refuse, in nginx 1.22.1's words and at its line (`make config-diff`'s message column).
struct NginxRefusalWordsTests {
    @Test(arguments: [
        ("server { location / { root /tmp; alias /tmp/; } }", "\"alias\" directive is duplicate, \"root\" directive was specified earlier"),
        ("server { location / { alias /tmp/; root /tmp; } }", "\"root\" directive is duplicate, \"alias\" directive was specified earlier"),
        ("server { location / { root /a; root /b; } }", "\"root\" directive is duplicate"),
        ("set_real_ip_from 10.0.0.0/33;", "host not found in set_real_ip_from \"10.0.0.0/33\""),
        ("allow 10.0.0.0/33;", "invalid parameter \"10.0.0.0/33\""),
        ("geo $g { 10.0.0.0/33 a; }", "invalid network \"10.0.0.0/33\""),
        ("geo $g { proxy 10.0.0.0/33; }", "invalid network \"10.0.0.0/33\""),
        ("expires 30 days;", "\"expires\" directive invalid value"),
    ])
    func words(config: String, message: String) {
        #expect(loadError(http(config)) == message + " in /c/nginx.conf:3")
    }

    /// A `{` in an unquoted regex opens a block in nginx's reading too: nginx stops at the directive that cannot
    /// take one (its own line), where switchyard used to read on and report the file's end.
    @Test func anUnquotedBraceIsReportedAtItsDirective() {
        let rewrite = "server {\nlocation / {\nrewrite ^/(\\d{3})$ /x/$1 last;\n}\n}\n"
        #expect(loadError(http(rewrite)) == "directive \"rewrite\" is not terminated by \";\" in /c/nginx.conf:5")
        let condition = "server {\nlocation / {\nif ($uri ~ ^/a{2}$) { return 404; }\n}\n}\n"
        #expect(loadError(http(condition)) == "invalid condition \"^/a\" in /c/nginx.conf:5")
        // A file that only ends too soon still says so, at its end.
        #expect(loadError(http("server {\nlocation / {\n")) == "unexpected end of file, expecting \"}\" in /c/nginx.conf:7")
    }
}

/// Found side by side with nginx 1.22.1 (an audit of the responses switchyard makes): refused or warned about as
/// nginx does.
struct NginxChecksResponsesTests {
    /// 499 is nginx's code for a client gone (nothing to replace); a named location has no URI prefix for `alias`.
    @Test(arguments: [
        ("server { error_page 499 /x; }", "invalid value \"499\""),
        ("server { location @n { alias /tmp/; } }", "\"alias\" directive cannot be used inside the named location"),
    ])
    func refused(config: String, message: String) {
        #expect(loadError(http(config)) == message + " in /c/nginx.conf:3")
    }

    /// An absolute index ends the search (an internal redirect): names after it are never tried.
    @Test func anAbsoluteIndexBeforeOthersIsWarnedAbout() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("server { index /x.html y.html; }"), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.message) == ["only the last index in \"index\" directive should be absolute"])
        diagnostics = []
        _ = try load(http("server { index y.html /x.html; }"), diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty)
    }
}

/// Lines real configurations carry (a corpus of 76 from public repositories, loaded by both with `-t`) that nginx
/// 1.22.1 loads and switchyard refused as unknown: accepted now, with nginx's own message where it gives one.
struct NginxLoadsWhatConfigsCarryTests {
    @Test(arguments: [
        ("server { fastcgi_send_lowat 1k; }", "[warn] \"fastcgi_send_lowat\" is not supported, ignored"),
        ("server { send_lowat 1k; }", "[warn] \"send_lowat\" is not supported, ignored"),
        ("server { listen 8080 accept_filter=httpready; }",
         "[emerg] accept filters \"accept_filter=httpready\" are not supported on this platform, ignored"),
        ("server { http2_max_field_size 8k; }",
         "[warn] the \"http2_max_field_size\" directive is obsolete, use the \"large_client_header_buffers\" directive instead"),
        ("server { http2_idle_timeout 3m; }",
         "[warn] the \"http2_idle_timeout\" directive is obsolete, use the \"keepalive_timeout\" directive instead"),
        ("server { aio_write on; open_file_cache_events on; ssi_ignore_recycled_buffers on; }", nil),
    ] as [(String, String?)])
    func loadsAsNginxDoes(config: String, message: String?) throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http(config), diagnostics: &diagnostics)
        let said = diagnostics.filter { $0.level != .notice }.map(\.description)
        #expect(said == (message.map { [$0 + " in /c/nginx.conf:3"] } ?? []))
    }

    /// A non-breaking space in a comment or in quotes is nothing to warn about (nginx says nothing); one where
    /// whitespace goes still is.
    @Test func aNonBreakingSpaceInACommentIsNotWarnedAbout() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("# pasted\u{00A0}comment\nserver { return 200 'a\u{00A0}b'; }"), diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty)
        _ = try load(http("server {\u{00A0}return 200 'a';\u{00A0}}"), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == [
            "[warn] treated 2 non-breaking spaces (U+00A0) as plain spaces, the first in /c/nginx.conf:3"])
    }
}
