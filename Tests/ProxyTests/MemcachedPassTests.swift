import Glibc
import SwitchyardTestSupport
import Testing

/// `memcached_pass` end to end against Debian's memcached (installed by the project's setup, as the session
/// cluster's tests use it): pages stored in memcached served by switchyard, a miss to the application.
@Suite(.serialized) struct MemcachedPassTests {
    /// A memcached on a free port, stopped by PID.
    final class Memcached {
        let port = freePort()
        let pid: pid_t

        init(directory: String) throws {
            var binary = "/usr/bin/memcached"
            for dir in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] where access(dir + "/memcached", X_OK) == 0 { binary = dir + "/memcached" }
            var args = [binary, "-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "16"]
            if getuid() == 0 { args += ["-u", "nobody"] }   // memcached refuses root without -u
            pid = try Spawn.run(args, stdoutPath: directory + "/memcached.out", stderrPath: directory + "/memcached.err")
            for _ in 0..<500 {   // readiness by connecting, 5 s at most
                if let c = try? TestClient(port: port) { _ = c; return }
                usleep(10_000)
            }
            throw TestClientError("memcached did not start on \(port)")
        }

        /// `set KEY FLAGS 0 LENGTH` with the value; true once memcached said STORED.
        func set(_ key: String, _ value: [UInt8], flags: Int = 0) throws -> Bool {
            let c = try TestClient(port: port)
            try c.send(Array("set \(key) \(flags) 0 \(value.count)\r\n".utf8) + value + Array("\r\n".utf8))
            var got: [UInt8] = [], buf = [UInt8](repeating: 0, count: 64)
            while !got.contains(10) {
                let n = read(c.fd, &buf, buf.count)
                if n <= 0 { break }
                got += buf[0..<n]
            }
            return String(decoding: got, as: UTF8.self) == "STORED\r\n"
        }

        /// One figure of `stats` (its own connection counts in `total_connections`).
        func stat(_ name: String) throws -> Int {
            let c = try TestClient(port: port)
            try c.send("stats\r\n")
            var got: [UInt8] = [], buf = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: got, as: UTF8.self).hasSuffix("END\r\n") {
                let n = read(c.fd, &buf, buf.count)
                if n <= 0 { break }
                got += buf[0..<n]
            }
            for line in String(decoding: got, as: UTF8.self).split(separator: "\r\n") {
                let f = line.split(separator: " ")
                if f.count == 3 && f[1] == name { return Int(f[2]) ?? -1 }
            }
            return -1
        }

        func stop() {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    @Test func hitsMissesAndTheErrorsNginxGives() throws {
        let app = try MockBackend(name: "app") { req in MockResponse(text: "rendered by the application: \(req.target)") }
        defer { app.stop() }
        let dir = try TempDir.make()
        let m = try Memcached(directory: dir)
        defer { m.stop() }
        let page = Array(String(repeating: "<p>cached page</p>\n", count: 4000).utf8)   // about 76 KiB: several reads
        #expect(try m.set("/page.html", page))
        #expect(try m.set("/zipped", Array("not really gzip".utf8), flags: 2))
        #expect(try m.set("/with%20space", Array("escaped key".utf8)))

        let f = try Fixture(http: """
            types { text/html html; }
            default_type text/plain;
            upstream memcached { server 127.0.0.1:\(m.port); keepalive 4; }
            server {
                listen 127.0.0.1:PORT;
                location / {
                    set $memcached_key $uri;
                    memcached_pass memcached;
                    memcached_gzip_flag 2;
                    error_page 404 502 = @app;
                }
                location /nokey/ { memcached_pass 127.0.0.1:\(m.port); }
                location /down/ { set $memcached_key $uri; memcached_pass 127.0.0.1:\(deadPort()); }
                location @app { proxy_pass http://\(app.address); }
            }
            """)
        defer { f.proxy.stop() }

        let hit = try f.get("/page.html")
        #expect(hit.status == 200 && hit.body == page)
        #expect(hit.header("Content-Type") == "text/html" && hit.header("Content-Length") == String(page.count))
        // With `keepalive` in its upstream block, the memcached connection is kept after a value that ended
        // with END: three more requests open none.
        let opened = try m.stat("total_connections")
        let c = try f.client()
        for _ in 0..<3 {
            try c.send("GET /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try c.readResponse().body == page)
        }
        #expect(try m.stat("total_connections") == opened + 1)   // only the second `stats`

        let zipped = try f.get("/zipped")
        #expect(zipped.header("Content-Encoding") == "gzip" && zipped.header("Content-Type") == "text/plain")
        #expect(try f.get("/with%20space").text == "escaped key")   // $uri is decoded, the key escaped again

        // A miss is the location's 404, which error_page sends to the application.
        #expect(try f.get("/elsewhere").text == "rendered by the application: /elsewhere")

        let head = try f.raw("HEAD /page.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.contains("Content-Length: \(page.count)\r\n") && head.hasSuffix("\r\n\r\n"))

        #expect(try f.raw("POST /page.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc").hasPrefix("HTTP/1.1 405 "))
        #expect(try f.get("/nokey/x").status == 500)
        #expect(f.errorLog().contains("the \"$memcached_key\" variable is not set"))
        #expect(try f.get("/down/x").status == 502)
    }
}
