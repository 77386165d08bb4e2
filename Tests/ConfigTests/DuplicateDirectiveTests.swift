@testable import Config
import Testing

/// A second use of a one-value directive at one level is nginx's "is duplicate", for the directives switchyard
/// accepts without effect as for the rest; a lower level may set it again.
struct DuplicateDirectiveTests {
    /// Each accepted-without-effect row, written twice at a level where it is allowed.
    static let ignoredRows: [(String, [String: String])] = [
        ("server_names_hash_bucket_size", http("server_names_hash_bucket_size 64;\nserver_names_hash_bucket_size 128;")),
        ("types_hash_max_size", http("server { location / { types_hash_max_size 1024;\ntypes_hash_max_size 2048; } }")),
        ("tcp_nopush", http("server { tcp_nopush on;\ntcp_nopush on; }")),
        ("open_file_cache", http("open_file_cache max=10;\nopen_file_cache off;")),
        ("output_buffers", http("output_buffers 2 32k;\noutput_buffers 1 32k;")),
        ("connection_pool_size", http("server { connection_pool_size 512;\nconnection_pool_size 1k; }")),
        ("fastcgi_buffering", http("fastcgi_buffering on;\nfastcgi_buffering off;")),
        ("ssl_buffer_size", http("server { ssl_buffer_size 4k;\nssl_buffer_size 8k; }")),
        ("http2_chunk_size", http("http2_chunk_size 8k;\nhttp2_chunk_size 16k;")),
    ]

    @Test(arguments: ignoredRows)
    func ignoredDirectiveTwiceAtOneLevel(_ name: String, _ files: [String: String]) {
        #expect(loadError(files) == "\"\(name)\" directive is duplicate in /c/nginx.conf:4")
    }

    @Test func mainAndEventsLevels() {
        #expect(loadError(["nginx.conf": "pcre_jit on;\npcre_jit off;\nevents {}\n"])
            == "\"pcre_jit\" directive is duplicate in /c/nginx.conf:2")
        #expect(loadError(["nginx.conf": "events { accept_mutex_delay 1s;\naccept_mutex_delay 2s; }\n"])
            == "\"accept_mutex_delay\" directive is duplicate in /c/nginx.conf:2")
    }

    @Test func eachLevelHasItsOwn() {
        #expect(loadError(http("""
            tcp_nopush on;
            server { tcp_nopush on; location / { tcp_nopush off; location /a { tcp_nopush on; } }
                     location /b { tcp_nopush on; } }
            server { tcp_nopush on; }
            """)) == "loaded")
    }

    /// nginx's own rules where a repeat is not simply a duplicate.
    @Test func repeatsNginxAllows() {
        #expect(loadError(["nginx.conf": "worker_priority 0;\nworker_priority -5;\nevents {}\n"]) == "loaded")
        #expect(loadError(["nginx.conf": "worker_priority -5;\nworker_priority 0;\nevents {}\n"])
            == "\"worker_priority\" directive is duplicate in /c/nginx.conf:2")
        #expect(loadError(["nginx.conf": "thread_pool a threads=2;\nthread_pool b threads=2;\nevents {}\n"]) == "loaded")
        #expect(loadError(["nginx.conf": "thread_pool a threads=2;\nthread_pool a threads=4;\nevents {}\n"])
            == "duplicate thread pool \"a\" in /c/nginx.conf:2")
        #expect(loadError(http("server { http2_max_requests 10;\nhttp2_max_requests 20; }")) == "loaded")
        #expect(loadError(["nginx.conf": "events { debug_connection 127.0.0.1;\ndebug_connection 10.0.0.0/8; }\n"]) == "loaded")
        #expect(loadError(http("http2_push /a;\nhttp2_push /b;")) == "loaded")
        #expect(loadError(http("http2_push /a;\nhttp2_push off;"))
            == "\"http2_push\" directive \"off\" parameter cannot be used with URI in /c/nginx.conf:4")
        #expect(loadError(http("http2_push off;\nhttp2_push /a;"))
            == "\"http2_push\" directive URI cannot be used with \"off\" parameter in /c/nginx.conf:4")
    }

    @Test func internalTwice() {
        #expect(loadError(http("server { location / { internal;\ninternal; } }"))
            == "\"internal\" directive is duplicate in /c/nginx.conf:4")
    }

    @Test func disableSymlinksTwice() {
        #expect(loadError(http("disable_symlinks on;\ndisable_symlinks off;"))
            == "\"disable_symlinks\" directive is duplicate in /c/nginx.conf:4")
    }

    /// `mirror off` stands alone at a level; URIs add up.
    @Test func mirrorOffWithAnother() {
        #expect(loadError(http("mirror /a;\nmirror /b;")) == "loaded")
        #expect(loadError(http("mirror /a;\nmirror off;")) == "\"mirror\" directive is duplicate in /c/nginx.conf:4")
        #expect(loadError(http("mirror off;\nmirror /a;")) == "\"mirror\" directive is duplicate in /c/nginx.conf:4")
    }

    /// `proxy_redirect off` stands alone at a level; rules add up.
    @Test func proxyRedirectOffWithAnother() {
        #expect(loadError(http("proxy_redirect http://a/ /;\nproxy_redirect http://b/ /;")) == "loaded")
        #expect(loadError(http("proxy_redirect off;\nproxy_redirect off;"))
            == "\"proxy_redirect\" directive is duplicate in /c/nginx.conf:4")
        #expect(loadError(http("proxy_redirect http://a/ /;\nproxy_redirect off;"))
            == "\"proxy_redirect\" directive is duplicate in /c/nginx.conf:4")
        #expect(loadError(http("proxy_redirect off;\nproxy_redirect http://a/ /;"))
            == "\"proxy_redirect\" directive is duplicate in /c/nginx.conf:4")
    }
}

/// `proxy_redirect default` is built from the location's own proxy_pass URL, so nginx wants that first.
struct ProxyRedirectDefaultTests {
    @Test func afterTheLocationsProxyPass() {
        #expect(loadError(http("server { location / { proxy_pass http://127.0.0.1:81/a/;\nproxy_redirect default; } }"))
            == "loaded")
    }

    @Test func beforeProxyPassOrOutsideALocation() {
        let message = "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive in /c/nginx.conf:4"
        #expect(loadError(http("server { location / {\nproxy_redirect default; proxy_pass http://127.0.0.1:81; } }")) == message)
        #expect(loadError(http("server {\nproxy_redirect default; location / { proxy_pass http://127.0.0.1:81; } }")) == message)
        #expect(loadError(http("server { location / { proxy_pass http://127.0.0.1:81; location /a {\nproxy_redirect default; } } }"))
            == message)
    }

    @Test func withAProxyPassWithVariables() {
        #expect(loadError(http("server { location / { proxy_pass http://$host;\nproxy_redirect default; } }"))
            == "\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive with variables in /c/nginx.conf:4")
    }
}
