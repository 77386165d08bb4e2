import Glibc
import SwitchyardTestSupport
import Testing

/// `-t` compiles the runtime as a start would: errors found there fail the test with file:line.
@Suite struct RuntimeCheckTests {
    @Test(arguments: [
        ("location / { return 200 \"$nosuchvar\"; }", "unknown \"nosuchvar\" variable in"),
        ("location /s { jvm_route_status nosuch; }", "no upstream \"nosuch\" for \"jvm_route_status\" in"),
        // nginx: a memcached_pass with no `set $memcached_key` anywhere in the configuration.
        ("location / { memcached_pass 127.0.0.1:11211; }", "unknown \"memcached_key\" variable in"),
    ])
    func testFailsOnRuntimeErrors(location: String, message: String) throws {
        let prefix = try TempDir.makePrefix()
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events {}
            http { access_log off; server { listen 127.0.0.1:1; \(location) } }
            """)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(p.status == 1)
        #expect(p.stderr.contains("switchyard: [emerg] \(message) \(prefix)/conf/nginx.conf:2"))
        #expect(p.stderr.contains("test failed"))
    }

    /// nginx's rule: a worker connection for each listening socket, and one more.
    @Test func tooFewWorkerConnectionsFail() throws {
        let prefix = try TempDir.makePrefix()
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events { worker_connections 2; }
            http { access_log off; server { listen 127.0.0.1:1; } server { listen 127.0.0.1:2; } }
            """)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(p.status == 1)
        #expect(p.stderr.contains("[emerg] 2 worker_connections are not enough for 2 listening sockets"), "\(p.stderr)")
    }

    /// nginx compiles every log_format as it reads it: one naming an unknown variable fails though no log uses it.
    @Test func anUnusedLogFormatIsCompiledToo() throws {
        let prefix = try TempDir.makePrefix()
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events {}
            http { log_format x '$nonexistent'; access_log off; server { listen 127.0.0.1:1; } }
            """)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(p.status == 1)
        #expect(p.stderr.contains("unknown \"nonexistent\" variable in \(prefix)/conf/nginx.conf:2"), "\(p.stderr)")
    }
}

/// As in nginx, a log file or a temp directory that cannot be made stops `-t` and a start, instead of a server
/// running without its log or failing requests later. `-t` makes nothing on the way.
@Suite struct UnusablePathTests {
    @Test(arguments: [
        ("error_log missing/error.log;\nhttp { access_log off;", "open", "missing/error.log", false),
        ("http { access_log missing/access.log;", "open", "missing/access.log", true),
        ("http { access_log off; client_body_temp_path missing/body;", "mkdir", "missing/body", false),
        // nginx makes a cache path's last directory only, as a temp path's.
        ("http { access_log off; proxy_cache_path missing/cache keys_zone=c:1m;", "mkdir", "missing/cache", false),
    ])
    func failsTestAndStart(head: String, call: String, path: String, inFile: Bool) throws {
        let prefix = try TempDir.makePrefix()
        // Not a local address: were the path accepted, the start would fail on bind, never serve.
        try TempDir.write(prefix + "/conf/nginx.conf", "events {}\n\(head) server { listen 192.0.2.1:80; } }\n")
        var expected = "[emerg] \(call)() \"\(prefix)/\(path)\" failed (2: No such file or directory)"
        if inFile { expected += " in \(prefix)/conf/nginx.conf:2" }
        let test = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(test.status == 1)
        #expect(test.stderr.contains(expected), "\(test.stderr)")
        let start = try ProxyProcess.run(arguments: ["-p", prefix, "-g", "daemon off; master_process off;"], prefix: prefix)
        #expect(start.status == 1)
        #expect(start.stderr.contains(expected), "\(start.stderr)")
    }

    @Test func testMakesNothing() throws {
        let prefix = try TempDir.makePrefix()
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events {}
            http { access_log logs/a.log; client_body_temp_path body; proxy_cache_path cache keys_zone=c:1m;
                   server { listen 127.0.0.1:\(freePort()); } }
            """)
        let test = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(test.status == 0, "\(test.stderr)")
        #expect(access(prefix + "/body", F_OK) != 0)
        #expect(access(prefix + "/cache", F_OK) != 0)
        #expect(access(prefix + "/logs/a.log", F_OK) != 0)
    }
}

/// nginx's `-t` binds the listening addresses (and releases them): one this machine cannot bind fails the test
/// as a start would, with nginx's line; one a running server holds passes.
@Suite struct ListenCheckTests {
    @Test(arguments: [
        ("192.0.2.10:18080", "bind() to 192.0.2.10:18080 failed (99: Cannot assign requested address)"),
        ("[2001:db8::10]:18080", "bind() to [2001:db8::10]:18080 failed (99: Cannot assign requested address)"),
    ])
    func anAddressNotOnThisMachineFails(address: String, message: String) throws {
        let prefix = try TempDir.makePrefix()
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events {}
            http { access_log off; server { listen 127.0.0.1:\(freePort()); listen \(address); } }
            """)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(p.status == 1)
        #expect(p.stderr.contains("switchyard: [emerg] \(message)\n"), "\(p.stderr)")
        #expect(p.stderr.contains("test failed"))
    }

    @Test func anAddressInUsePasses() throws {
        let prefix = try TempDir.makePrefix()
        // deadPort(): bound by this test process without SO_REUSEADDR, so any other bind of it is refused.
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events {}
            http { access_log off; server { listen 127.0.0.1:\(deadPort()); listen unix:\(prefix)/s.sock; } }
            """)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(p.status == 0, "\(p.stderr)")
        #expect(access(prefix + "/s.sock", F_OK) != 0)   // the probe's socket file is gone again
    }
}
