@testable import Config
import Testing

/// Every error a user can meet, compared whole, with the file and line nginx would give.
struct ErrorMessageTests {
    static let cases: [(String, [String: String], String)] = [
        ("unknown directive", http("prxy_pass x;"), "unknown directive \"prxy_pass\" in /c/nginx.conf:3"),
        ("not allowed here", http("proxy_pass http://a;"), "\"proxy_pass\" directive is not allowed here in /c/nginx.conf:3"),
        ("arity", http("server {\nlisten;\n}"), "invalid number of arguments in \"listen\" directive in /c/nginx.conf:4"),
        ("no opening brace", ["nginx.conf": "events {}\nhttp;"], "directive \"http\" has no opening \"{\" in /c/nginx.conf:2"),
        ("not terminated", http("gzip on {}"), "directive \"gzip\" is not terminated by \";\" in /c/nginx.conf:3"),
        ("flag", http("gzip maybe;"), "invalid value \"maybe\" in \"gzip\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3"),
        ("number", http("keepalive_requests x;"), "\"keepalive_requests\" directive invalid number in /c/nginx.conf:3"),
        ("size", http("proxy_buffer_size 12q;"), "\"proxy_buffer_size\" directive invalid value in /c/nginx.conf:3"),
        ("time", http("proxy_connect_timeout 5q;"), "\"proxy_connect_timeout\" directive invalid value in /c/nginx.conf:3"),
        ("enum", http("server_tokens foo;"), "invalid value \"foo\" in /c/nginx.conf:3"),
        ("target field", http("proxy_cache_target_field Cache-Control;"), "invalid value \"Cache-Control\" in /c/nginx.conf:3"),
        ("target field name", http("proxy_cache_target_field \"a b\";"), "invalid value \"a b\" in /c/nginx.conf:3"),
        ("duplicate setting", http("gzip on;\ngzip off;"), "\"gzip\" directive is duplicate in /c/nginx.conf:4"),
        ("gzip_static word", http("gzip_static yes;"), "invalid value \"yes\" in /c/nginx.conf:3"),
        ("gzip_static twice", http("gzip_static on;\ngzip_static always;"), "\"gzip_static\" directive is duplicate in /c/nginx.conf:4"),
        ("sub_filter empty", http("sub_filter '' x;"), "empty search pattern in /c/nginx.conf:3"),
        ("sub_filter arity", http("sub_filter a;"), "invalid number of arguments in \"sub_filter\" directive in /c/nginx.conf:3"),
        ("sub_filter 256", http(String(repeating: "sub_filter a b;\n", count: 256)),
         "number of search patterns exceeds 255 in /c/nginx.conf:258"),
        ("sub_filter in if", http("server { location / { if ($arg_a) { sub_filter a b; } } }"),
         "\"sub_filter\" directive is not allowed here in /c/nginx.conf:3"),
        ("sub_filter_once word", http("sub_filter_once yes;"),
         "invalid value \"yes\" in \"sub_filter_once\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3"),
        ("gzip_static in if", http("server { location / { if ($arg_a) { gzip_static on; } } }"),
         "\"gzip_static\" directive is not allowed here in /c/nginx.conf:3"),
        ("missing include", http("include mime.types;"),
         "open() \"/c/mime.types\" failed (2: No such file or directory) in /c/nginx.conf:3"),
        ("include arity", http("include;"), "invalid number of arguments in \"include\" directive in /c/nginx.conf:3"),
        ("duplicate upstream", http("upstream tomcat-lb { server 127.0.0.1; }\nupstream tomcat-lb { server 127.0.0.1; }"),
         "duplicate upstream \"tomcat-lb\" in /c/nginx.conf:4"),
        ("empty upstream", http("upstream a {\n}"), "no servers are inside upstream in /c/nginx.conf:3"),
        ("unknown upstream", http("server {\nlocation / {\nproxy_pass http://tomcat-lbb;\n}\n}\nupstream tomcat-lb { server 127.0.0.1; }"),
         "host not found in upstream \"tomcat-lbb\" in /c/nginx.conf:5"),
        ("regex location", http("server {\nlocation ~ \"(a\" {}\n}"),
         "pcre2_compile() failed: missing closing parenthesis in \"(a\" in /c/nginx.conf:4"),
        ("regex with rest", http("server {\nlocation ~ \"a)b\" {}\n}"),
         "pcre2_compile() failed: unmatched closing parenthesis in \"a)b\" at \")b\" in /c/nginx.conf:4"),
        ("regex rewrite", http("server {\nrewrite [ /x;\n}"),
         "pcre2_compile() failed: missing terminating ] for character class in \"[\" in /c/nginx.conf:4"),
        ("regex server_name", http("server {\nserver_name ~(x;\n}"),
         "pcre2_compile() failed: missing closing parenthesis in \"(x\" in /c/nginx.conf:4"),
        ("regex map", http("map $uri $x {\n~(a 1;\n}"),
         "pcre2_compile() failed: missing closing parenthesis in \"(a\" in /c/nginx.conf:4"),
        ("regex gzip_disable", http("gzip_disable \"MSIE [1-6\\.\";"),
         "pcre2_compile() failed: missing terminating ] for character class in \"MSIE [1-6\\.\" in /c/nginx.conf:3"),
        ("try_files code", http("server {\ntry_files $uri =4x;\n}"), "invalid code \"=4x\" in /c/nginx.conf:4"),
        ("try_files twice", http("server {\ntry_files $uri =404;\ntry_files $uri =404;\n}"),
         "\"try_files\" directive is duplicate in /c/nginx.conf:5"),
        ("disable_symlinks word", http("disable_symlinks maybe;"), "invalid parameter \"maybe\" in /c/nginx.conf:3"),
        ("disable_symlinks from only", http("disable_symlinks from=/srv;"),
         "\"disable_symlinks\" must have \"off\", \"on\" or \"if_not_owner\" parameter in /c/nginx.conf:3"),
        ("disable_symlinks twice", http("disable_symlinks on off;"), "duplicate parameters \"on off\" in /c/nginx.conf:3"),
        ("disable_symlinks off from", http("disable_symlinks off from=/srv;"),
         "\"from=\" cannot be used with \"off\" parameter in /c/nginx.conf:3"),
        ("stray brace", ["nginx.conf": "events {}\nhttp { }\n}"], "unexpected \"}\" in /c/nginx.conf:3"),
        ("eof in block", ["nginx.conf": "events {}\nhttp {\n"], "unexpected end of file, expecting \"}\" in /c/nginx.conf:3"),
        ("eof in directive", ["nginx.conf": "events {}\nhttp { gzip on"],
         "unexpected end of file, expecting \";\" or \"}\" in /c/nginx.conf:2"),
        ("no events", ["nginx.conf": "http {}"], "no \"events\" section in configuration"),
        ("duplicate events", ["nginx.conf": "events {}\nevents {}"], "\"events\" directive is duplicate in /c/nginx.conf:2"),
        ("listen port", http("server {\nlisten 99999;\n}"), "invalid port in \"99999\" of the \"listen\" directive in /c/nginx.conf:4"),
        ("listen parameter", http("server {\nlisten 80 foo;\n}"), "invalid parameter \"foo\" in /c/nginx.conf:4"),
        ("ssl_protocols", http("server {\nssl_protocols TLSv9;\n}"), "invalid value \"TLSv9\" in /c/nginx.conf:4"),
        ("listen host", http("server {\nlisten nowhere:80;\n}"),
         "host not found in \"nowhere:80\" of the \"listen\" directive in /c/nginx.conf:4"),
        ("duplicate default", http("server {\nlisten 80 default_server;\n}\nserver {\nlisten 80 default_server;\n}"),
         "a duplicate default server for 0.0.0.0:80 in /c/nginx.conf:7"),
        ("upstream server host", http("upstream a {\nserver backend.invalid:8080;\n}"),
         "host not found in upstream \"backend.invalid:8080\" in /c/nginx.conf:4"),
        // The host alone, as nginx 1.22 names an implicit upstream it cannot resolve (an upstream block's `server`
        // line above is named whole).
        ("proxy_pass host with port", http("server {\nlocation / {\nproxy_pass http://backend.invalid:8080;\n}\n}"),
         "host not found in upstream \"backend.invalid\" in /c/nginx.conf:5"),
        ("duplicate listen", http("server {\nlisten 80;\nlisten 0.0.0.0:80;\n}"), "a duplicate listen 0.0.0.0:80 in /c/nginx.conf:5"),
        ("duplicate default spelled two ways", http("server {\nlisten 0.0.0.0:80 default_server;\n}\nserver {\nlisten 80 default;\n}"),
         "a duplicate default server for 0.0.0.0:80 in /c/nginx.conf:7"),
        // nginx 1.22.1's own texts for each (nginx -t), but for `ipv4=`, which is 1.23.1's.
        ("resolver valid", http("resolver 127.0.0.1 valid=abc;"), "invalid parameter: valid=abc in /c/nginx.conf:3"),
        ("resolver empty valid", http("resolver 127.0.0.1 valid=;"), "invalid parameter: valid= in /c/nginx.conf:3"),
        ("resolver ipv6", http("resolver 127.0.0.1 ipv6=maybe;"), "invalid parameter: ipv6=maybe in /c/nginx.conf:3"),
        ("resolver ipv4", http("resolver 127.0.0.1 ipv4=yes;"), "invalid parameter: ipv4=yes in /c/nginx.conf:3"),
        ("resolver no family", http("resolver 127.0.0.1 ipv4=off ipv6=off;"),
         "\"ipv4\" and \"ipv6\" cannot both be \"off\" in /c/nginx.conf:3"),
        ("resolver status_zone", http("resolver 127.0.0.1 status_zone=z;"), "host not found in resolver \"status_zone=z\" in /c/nginx.conf:3"),
        ("resolver port", http("resolver 127.0.0.1:99999;"), "invalid port in resolver \"127.0.0.1:99999\" in /c/nginx.conf:3"),
        ("resolver port text", http("resolver 127.0.0.1:abc;"), "invalid port in resolver \"127.0.0.1:abc\" in /c/nginx.conf:3"),
        ("resolver port zero", http("resolver [::1]:0;"), "invalid port in resolver \"[::1]:0\" in /c/nginx.conf:3"),
        ("resolver no servers", http("resolver valid=30s;"), "no name servers defined in /c/nginx.conf:3"),
        ("resolver arity", http("resolver;"), "invalid number of arguments in \"resolver\" directive in /c/nginx.conf:3"),
        ("resolver twice", http("resolver 127.0.0.1;\nresolver 127.0.0.2;"), "\"resolver\" directive is duplicate in /c/nginx.conf:4"),
        ("resolver_timeout", http("resolver_timeout 5x;"), "\"resolver_timeout\" directive invalid value in /c/nginx.conf:3"),
        ("client_body_temp_path level", http("client_body_temp_path /tmp/b 4 4 3;"),
         "\"client_body_temp_path\" directive invalid value in /c/nginx.conf:3"),
        ("client_body_temp_path twice", http("client_body_temp_path /tmp/a;\nclient_body_temp_path /tmp/b;"),
         "\"client_body_temp_path\" directive is duplicate in /c/nginx.conf:4"),
        ("server parameter", http("upstream a {\nserver 127.0.0.1 bad=1;\n}"), "invalid parameter \"bad=1\" in /c/nginx.conf:4"),
        ("server weight", http("upstream a {\nserver 127.0.0.1 weight=0;\n}"), "invalid parameter \"weight=0\" in /c/nginx.conf:4"),
        ("server port", http("upstream a {\nserver 127.0.0.1:0;\n}"), "invalid port in upstream \"127.0.0.1:0\" in /c/nginx.conf:4"),
        ("backup with ip_hash", http("upstream a {\nip_hash;\nserver 127.0.0.1 backup;\n}"),
         "balancing method does not support parameter \"backup\" in /c/nginx.conf:5"),
        ("rewrite in http", http("rewrite a b;"), "\"rewrite\" directive is not allowed here in /c/nginx.conf:3"),
        ("return code", http("server {\nreturn abc;\n}"), "invalid return code \"abc\" in /c/nginx.conf:4"),
        ("exact nesting", http("server {\nlocation = / {\nlocation /b {}\n}\n}"),
         "location \"/b\" cannot be inside the exact location \"/\" in /c/nginx.conf:5"),
        ("outside", http("server {\nlocation /a {\nlocation /b {}\n}\n}"), "location \"/b\" is outside location \"/a\" in /c/nginx.conf:5"),
        ("outside regex", http("server {\nlocation ~ ^/a {\nlocation /b {}\n}\n}"),
         "location \"/b\" is outside location \"^/a\" in /c/nginx.conf:5"),
        ("named nesting", http("server {\nlocation /x {\nlocation @b {}\n}\n}"),
         "named location \"@b\" can be on the server level only in /c/nginx.conf:5"),
        ("duplicate location", http("server {\nlocation / {}\nlocation / {}\n}"), "duplicate location \"/\" in /c/nginx.conf:5"),
        ("location modifier", http("server {\nlocation ~~ /a {}\n}"), "invalid location modifier \"~~\" in /c/nginx.conf:4"),
        ("cache levels", http("proxy_cache_path /tmp/x levels=1:3 keys_zone=a:1m;"), "invalid \"levels\" \"levels=1:3\" in /c/nginx.conf:3"),
        ("cache zone missing", http("proxy_cache_path /tmp/x levels=1:2;"),
         "\"proxy_cache_path\" must have \"keys_zone\" parameter in /c/nginx.conf:3"),
        ("unknown cache zone", http("server {\nlocation / {\nproxy_cache nope;\n}\n}"),
         "\"proxy_cache\" zone \"nope\" is unknown in /c/nginx.conf:8"),   // found merging: the http block's }
        ("cache zone only in http", http("proxy_cache nope;"), "zero size shared memory zone \"nope\""),
        ("unknown log format", http("access_log /tmp/a nope;"), "unknown log format \"nope\" in /c/nginx.conf:3"),
        ("duplicate log format", http("log_format main a;\nlog_format main b;"), "duplicate \"log_format\" name \"main\" in /c/nginx.conf:4"),
        ("map default twice", http("map $a $b {\ndefault 1;\ndefault 2;\n}"), "duplicate default map parameter in /c/nginx.conf:5"),
        ("map key twice", http("map $a $b {\nx 1;\nX 2;\n}"), "conflicting parameter \"X\" in /c/nginx.conf:5"),
        ("map arity", http("map $a $b {\nx 1 2;\n}"), "invalid number of the map parameters in /c/nginx.conf:4"),
        ("map variable", http("map $a b {\n}"), "invalid variable name \"b\" in /c/nginx.conf:3"),
        ("template", http("server {\nreturn 200 \"${x\";\n}"), "the closing bracket in \"x\" variable is missing in /c/nginx.conf:4"),
        ("dangling dollar", http("proxy_set_header A a$;"), "invalid variable name in /c/nginx.conf:3"),
        ("proxy_pass scheme", http("server {\nlocation / {\nproxy_pass ftp://a;\n}\n}"),
         "invalid URL prefix in \"ftp://a\" in /c/nginx.conf:5"),
        ("proxy_pass twice", http("server {\nlocation / {\nproxy_pass http://127.0.0.1;\nproxy_pass http://127.0.0.1;\n}\n}"),
         "\"proxy_pass\" directive is duplicate in /c/nginx.conf:6"),
        ("error_page code", http("error_page 200 /x;"), "value \"200\" must be between 300 and 599 in /c/nginx.conf:3"),
        ("expires", http("expires 1x;"), "\"expires\" directive invalid value in /c/nginx.conf:3"),
        ("gzip level", http("gzip_comp_level 10;"), "value must be between 1 and 9 in /c/nginx.conf:3"),
        ("error_log level", ["nginx.conf": "error_log logs/e.log loud;\nevents {}"], "invalid log level \"loud\" in /c/nginx.conf:1"),
        ("worker_processes", ["nginx.conf": "worker_processes many;\nevents {}"],
         "\"worker_processes\" directive invalid number in /c/nginx.conf:1"),
        ("main duplicate", ["nginx.conf": "worker_processes 1;\nworker_processes 2;\nevents {}"],
         "\"worker_processes\" directive is duplicate in /c/nginx.conf:2"),
        ("events duplicate", ["nginx.conf": "events {\nworker_connections 1;\nworker_connections 2;\n}"],
         "\"worker_connections\" directive is duplicate in /c/nginx.conf:3"),
        ("upstream duplicate", http("upstream a {\nserver 127.0.0.1;\nkeepalive 2;\nkeepalive 3;\n}"),
         "\"keepalive\" directive is duplicate in /c/nginx.conf:6"),
        ("event method", ["nginx.conf": "events {\nuse kqueue2;\n}"], "invalid event type \"kqueue2\" in /c/nginx.conf:2"),
        ("sticky method", http("upstream a {\nserver 127.0.0.1;\nsticky magic;\n}"), "unknown sticky method \"magic\" in /c/nginx.conf:5"),
        ("sticky learn", http("upstream a {\nserver 127.0.0.1;\nsticky learn create=$x;\n}"),
         "\"sticky learn\" needs \"create\", \"lookup\" and \"zone\" parameters in /c/nginx.conf:5"),
        // `strict` is no sticky parameter (nginx has none; `proxy_next_upstream off` refuses stand-ins), and under
        // `sticky route` a plain word is not taken for a route that every request would share.
        ("sticky route strict", http("upstream a {\nserver 127.0.0.1;\nsticky route $cookie_route strict;\n}"),
         "invalid route \"strict\" in \"sticky\" directive: a variable is required in /c/nginx.conf:5"),
        ("sticky cookie strict", http("upstream a {\nserver 127.0.0.1;\nsticky cookie srv_id strict;\n}"),
         "invalid parameter \"strict\" in /c/nginx.conf:5"),
        ("sticky learn strict", http("upstream a {\nserver 127.0.0.1;\nsticky learn create=$upstream_cookie_s lookup=$cookie_s zone=z:1m strict;\n}"),
         "invalid parameter \"strict\" in /c/nginx.conf:5"),
        ("sticky cookie expires", http("upstream a {\nserver 127.0.0.1;\nsticky cookie s expires=soon;\n}"),
         "invalid parameter \"expires=soon\" in /c/nginx.conf:5"),
        ("sticky learn zone", http("upstream a {\nserver 127.0.0.1;\nsticky learn create=$upstream_cookie_s lookup=$cookie_s zone=z;\n}"),
         "invalid parameter \"zone=z\" in /c/nginx.conf:5"),
        ("hash parameter", http("upstream a {\nserver 127.0.0.1;\nhash $request_uri ketama;\n}"),
         "invalid parameter \"ketama\" in /c/nginx.conf:5"),
        ("jvm_route variable", http("upstream a {\nserver 127.0.0.1;\njvm_route cookie_JSESSIONID;\n}"),
         "invalid variable \"cookie_JSESSIONID\" in \"jvm_route\" directive in /c/nginx.conf:5"),
        ("proxy_next_upstream flag", http("proxy_next_upstream error http_501;"), "invalid value \"http_501\" in /c/nginx.conf:3"),
        ("jvm_route flag", http("upstream a {\nserver 127.0.0.1;\njvm_route $cookie_JSESSIONID backwards;\n}"),
         "invalid parameter \"backwards\" in /c/nginx.conf:5"),
        ("jvm_route_status upstream", http("server {\nlocation /s {\njvm_route_status nope;\n}\n}"),
         "no upstream \"nope\" for \"jvm_route_status\" in /c/nginx.conf:4"),
        ("error in include", ["nginx.conf": "events {}\nhttp {\ninclude vhosts/*.conf;\n}", "vhosts/b.conf": "server {\n\nprxy_pass x;\n}"],
         "unknown directive \"prxy_pass\" in /c/vhosts/b.conf:3"),
        ("typographic quote", http("log_format main ‘$a’;"),
         "unexpected typographic quote \"‘\" (U+2018) at column 17; use ASCII quotes ' or \" in /c/nginx.conf:3"),
    ]

    @Test(arguments: cases)
    func message(name: String, files: [String: String], expected: String) {
        #expect(loadError(files) == expected, "\(name)")
    }

    @Test(arguments: [
        ("daemon maybe;", "invalid value \"maybe\" in \"daemon\" directive, it must be \"on\" or \"off\" in command line"),
        ("daemon off", "unexpected end of parameter, expecting \";\" in command line"),
        ("frobnicate on;", "unknown directive \"frobnicate\" in command line"),
    ])
    func commandLine(globals: String, expected: String) {
        #expect(loadError(["nginx.conf": "events {}"], globals: globals) == expected)
    }
}

/// Table and cross-block checks that are not single error strings.
struct TableTests {
    @Test func eachNameHasOneRowPerContext() {
        var seen: Set<String> = []
        for spec in DirectiveTable.all {
            for context in spec.contexts {
                #expect(seen.insert("\(spec.name) \(context)").inserted, "\(spec.name) twice in \(context)")
            }
        }
    }

    @Test func ignoredDirectivesAreNotAlsoImplemented() {
        let implemented = Set(DirectiveTable.all.map(\.name))
        #expect(IgnoredDirectives.names.isDisjoint(with: implemented))
    }

    @Test func proxyPassWithURIInRegexLocation() {
        #expect(loadError(http("server {\nlocation ~ /a {\nproxy_pass http://127.0.0.1/x;\n}\n}")) ==
            "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, "
            + "or inside \"if\" statement, or inside \"limit_except\" block in /c/nginx.conf:5")
    }

    @Test func conflictingServerNamesWarn() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("server { listen 80; server_name a; }\nserver { listen 80; server_name a b; }"), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == ["[warn] conflicting server name \"a\" on 0.0.0.0:80, ignored"])
    }

    /// Wildcards conflict as nginx's hashes hold them (the names as nginx 1.22.1 warns about them, checked side by
    /// side): `*.b.com` and `.b.com` are one wildcard, `.c.com` holds `c.com` too; regexes never conflict.
    @Test func conflictingWildcardNamesWarn() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("""
            server { listen 80; server_name a.* *.b.com c.com .e.com ~^x$; }
            server { listen 80; server_name a.* .b.com .c.com e.com ~^x$; }
            """), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == ["a.*", ".b.com", ".c.com", "e.com"].map {
            "[warn] conflicting server name \"\($0)\" on 0.0.0.0:80, ignored"
        })
    }

    @Test func duplicateTypeExtensionWarns() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("types {\napplication/json json JSON;\n}"), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == [
            "[warn] duplicate extension \"json\", content type: \"application/json\", previous content type: "
                + "\"application/json\" in /c/nginx.conf:4"
        ])
    }

    @Test func definedVariablesComeFromMapAndSet() throws {
        let config = try load(http("map $a $mapped { default 1; }\nserver { set $s 1; location / { set $l 2; } }"))
        #expect(config.http!.definedVariables == ["mapped", "s", "l"])
    }

    @Test func internalIsNotInherited() throws {
        let config = try load(http("server { location / { internal; location /a {} } }"))
        #expect(firstLocation(config).settings.content.isInternal)
        #expect(!firstLocation(config).nested[0].settings.content.isInternal)
    }
}

/// Issue 15: directives switchyard accepts are checked as nginx checks them, the ignored ones too.
struct CoreDirectiveArgumentTests {
    @Test func ignoredDirectivesCheckTheirArguments() {
        #expect(loadError(http("tcp_nopush;")) == "invalid number of arguments in \"tcp_nopush\" directive in /c/nginx.conf:3")
        #expect(loadError(http("fastcgi_connect_timeout 10q;"))
            == "\"fastcgi_connect_timeout\" directive invalid value in /c/nginx.conf:3")
        #expect(loadError(http("connection_pool_size 100;")) == "the pool size must be no less than 112 in /c/nginx.conf:3")
        #expect(loadError(http("server_names_hash_bucket_size 64k;"))
            == "\"server_names_hash_bucket_size\" directive invalid number in /c/nginx.conf:3")
        #expect(loadError(http("lingering_close sometimes;")) == "invalid value \"sometimes\" in /c/nginx.conf:3")
        #expect(loadError(http("server { server_names_hash_max_size 512; }"))
            == "\"server_names_hash_max_size\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("connection_pool_size 128; request_pool_size 4k; output_buffers 2 32k; postpone_output 1460;"))
            == "loaded")
    }

    /// nginx's two file-cache directives share their parameter rules and differ in what they accept and say.
    @Test func fileCacheDirectivesCheckTheirParameters() {
        #expect(loadError(http("open_file_cache off; open_log_file_cache off;")) == "loaded")
        #expect(loadError(http("open_file_cache max=1000 inactive=20s; open_log_file_cache max=10 inactive=1m min_uses=2 valid=30s;"))
            == "loaded")
        #expect(loadError(http("open_file_cache inactive=20s;"))
            == "\"open_file_cache\" must have the \"max\" parameter in /c/nginx.conf:3")
        #expect(loadError(http("open_log_file_cache valid=1m;"))
            == "\"open_log_file_cache\" must have \"max\" parameter in /c/nginx.conf:3")
        #expect(loadError(http("open_file_cache max=10 min_uses=2;")) == "invalid \"open_file_cache\" parameter \"min_uses=2\" in /c/nginx.conf:3")
        #expect(loadError(http("open_log_file_cache max=0;")) == "\"open_log_file_cache\" must have \"max\" parameter in /c/nginx.conf:3")
        #expect(loadError(http("open_file_cache off bogus;")) == "invalid \"open_file_cache\" parameter \"bogus\" in /c/nginx.conf:3")
    }

    @Test func newDirectivesCheckTheirArguments() {
        #expect(loadError(http("limit_rate 10q;")) == "\"limit_rate\" directive invalid value in /c/nginx.conf:3")
        #expect(loadError(http("limit_rate $arg_rate; limit_rate_after 1m;")) == "loaded")
        #expect(loadError(http("keepalive_disable opera;")) == "invalid value \"opera\" in /c/nginx.conf:3")
        #expect(loadError(http("client_body_in_file_only maybe;")) == "invalid value \"maybe\" in /c/nginx.conf:3")
        #expect(loadError(http("access_log logs/a.log combined gzip=10;"))
            == "invalid compression level \"10\" in /c/nginx.conf:3")
        #expect(loadError(http("access_log logs/a.log combined buffer=0k;")) == "invalid buffer size \"0k\" in /c/nginx.conf:3")
        #expect(loadError(http("access_log logs/a.log combined flush=1s;"))
            == "no buffer is defined for access_log \"logs/a.log\" in /c/nginx.conf:3")
        #expect(loadError(http("expires modified @10h;"))
            == "daily time cannot be used with \"modified\" parameter in /c/nginx.conf:3")
        #expect(loadError(http("expires modified $arg_e; proxy_ignore_headers Expires; proxy_ignore_headers Vary;")) == "loaded")
        // nginx 1.22 reads flags as complex values when a response comes: a word it does not know is no flag.
        #expect(loadError(http("proxy_cookie_flags a secure samesite=maybe $arg_f;")) == "loaded")
        #expect(loadError(http("proxy_cookie_path off; proxy_cookie_path /a /b;"))
            == "\"proxy_cookie_path\" directive is duplicate in /c/nginx.conf:3")
    }

    @Test func proxyIgnoreHeadersAddsUp() throws {
        let config = try load(http("server { location / { proxy_ignore_headers Expires; proxy_ignore_headers Vary; } }"))
        #expect(firstLocation(config).settings.proxy.ignoreHeaders == ["Expires", "Vary"])
    }

    /// nginx's bitmask directives: a second one at a level adds to the first, a value given twice is a warning,
    /// and `off` among them turns the set off. Jellyfin's documented server block sets ssl_protocols and then
    /// includes certbot's options file, which sets it again.
    @Test func bitmaskDirectivesAddUp() throws {
        var diagnostics: [ConfigDiagnostic] = []
        let config = try load(http("""
            server { ssl_protocols TLSv1.2; ssl_protocols TLSv1.3 TLSv1.2; ssl_session_cache shared:A:1m;
              ssl_session_cache shared:B:1m;
              location / { proxy_next_upstream error; proxy_next_upstream timeout; proxy_cache_use_stale error;
                proxy_cache_use_stale off; gzip_proxied expired; gzip_proxied any; keepalive_disable none msie6;
                proxy_ssl_protocols TLSv1.3; proxy_ssl_protocols TLSv1.2; proxy_ignore_headers Vary Vary; } }
            """), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == [
            "[warn] duplicate value \"TLSv1.2\" in /c/nginx.conf:3", "[warn] duplicate value \"Vary\" in /c/nginx.conf:7",
        ])
        let server = config.http!.servers[0].settings
        #expect(server.ssl.protocols == [.tls1_2, .tls1_3])
        #expect(server.ssl.sessionCache == (try load(http("ssl_session_cache shared:B:1m;"))).http!.settings.ssl.sessionCache)
        let l = firstLocation(config).settings
        #expect(l.proxy.nextUpstream == [.error, .timeout])
        #expect(l.proxy.cache.useStale.isEmpty)
        #expect(l.gzip.proxied == [.expired, .any])
        #expect(l.client.keepaliveDisable == [.msie6])
        #expect(l.proxySSL.protocols == [.tls1_2, .tls1_3])
        #expect(loadError(http("proxy_next_upstream error off bogus;")) == "invalid value \"bogus\" in /c/nginx.conf:3")
    }
}

extension ErrorMessageTests {
    @Test func proxyBindChecksItsAddress() {
        #expect(loadError(http("proxy_bind example.com;")) == "invalid address \"example.com\" in /c/nginx.conf:3")
        #expect(loadError(http("proxy_bind 127.0.0.1 sometimes;")) == "invalid parameter \"sometimes\" in /c/nginx.conf:3")
        #expect(loadError(http("proxy_bind off transparent;")) == "invalid parameter \"transparent\" in /c/nginx.conf:3")
        #expect(loadError(http("proxy_bind [::1]:0; proxy_socket_keepalive on;")) == "loaded")
        #expect(loadError(http("server { location / { proxy_bind $remote_addr transparent; } }")) == "loaded")
    }
}

extension ErrorMessageTests {
    /// `listen`'s fastopen= and so_keepalive=, with nginx's words for a bad value.
    @Test func listenSocketParametersAreChecked() {
        #expect(loadError(http("server { listen 80 fastopen=many; }")) == "invalid fastopen \"fastopen=many\" in /c/nginx.conf:3")
        for bad in ["sometimes", "x::", "::0", ":::", "0", "1:2:3:4", "::-1"] {
            #expect(loadError(http("server { listen 80 so_keepalive=\(bad); }")) == "invalid so_keepalive value: \"\(bad)\" in /c/nginx.conf:3")
        }
        #expect(loadError(http("server { listen 80 so_keepalive=on fastopen=0; }")) == "loaded")
    }
}

extension ErrorMessageTests {
    /// Validation as nginx's (issue 15, point 8): numbers as ngx_atoi reads them, no zero-sized buffers, no
    /// token past nginx's 4 KiB read buffer; and upstream names in any case, as nginx compares them.
    @Test func argumentsAreCheckedAsNginxChecksThem() throws {
        #expect(loadError(http("upstream u { server 127.0.0.1:1 weight=+5; }")) == "invalid parameter \"weight=+5\" in /c/nginx.conf:3")
        #expect(loadError(http("proxy_buffers 8 0k;")) == "\"proxy_buffers\" directive invalid value in /c/nginx.conf:3")
        #expect(loadError(http("gzip_buffers 0 4k;")) == "\"gzip_buffers\" directive invalid value in /c/nginx.conf:3")
        let long = String(repeating: "a", count: 5000)
        #expect(loadError(http("server {\nlocation / { return 200 \(long); }\n}")) == "too long parameter \"aaaaaaaaaa...\" started in /c/nginx.conf:4")
        #expect(loadError(http("server {\nlocation / { return 200 \"\(long)\"; }\n}"))
            == "too long parameter, probably missing terminating \"\"\" character in /c/nginx.conf:4")
        #expect(loadError(http("upstream App { server 127.0.0.1:1; }\nupstream app { server 127.0.0.1:2; }"))
            == "duplicate upstream \"app\" in /c/nginx.conf:4")
        let config = try load(http("upstream App { server 127.0.0.1:1; } server { location / { proxy_pass http://app; } }"))
        guard case .proxy(.static(let url))? = firstLocation(config).handler else { Issue.record("no proxy_pass"); return }
        #expect(url.target == .upstream("App"))
    }
}

extension ErrorMessageTests {
    /// ngx_http_v2_module's settings load, covered by the one notice that HTTP/2 is not served; their values are
    /// checked as nginx checks them.
    @Test func http2SettingsAreCheckedAndNoticedOnce() throws {
        let config = try load(http("""
            http2_recv_buffer_size 256k;
            server { http2_max_concurrent_streams 64; http2_idle_timeout 3m; http2_max_field_size 16k;
                location / { http2_push_preload on; http2_chunk_size 8k; http2_push /a.css; } }
            """))
        #expect(config.diagnostics.filter { $0.message.hasPrefix("HTTP/2 is not served yet") }.count == 1)
        #expect(loadError(http("server { http2_idle_timeout soon; }")).hasPrefix("\"http2_idle_timeout\" directive invalid value"))
        #expect(loadError(http("server { location / { http2_push_preload maybe; } }")).hasPrefix("invalid value \"maybe\""))
        #expect(loadError(http("server { location / { http2_max_concurrent_streams 8; } }"))
            .hasPrefix("\"http2_max_concurrent_streams\" directive is not allowed here"))
    }
}
