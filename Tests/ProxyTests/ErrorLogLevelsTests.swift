import Config
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// `error_log` in http, server and location blocks: each request's messages go to the files of where it is.
@Suite(.serialized) struct ErrorLogLevelsTests {
    @Test func aRequestLogsToItsLocationsServersOrHttpLevelsFiles() throws {
        let other = freePort()
        let f = try Fixture(http: """
            error_log logs/http.log info;
            server {
                listen 127.0.0.1:PORT;
                error_log logs/site.log;
                location /two/ {
                    error_log logs/debug.log debug;
                    error_log logs/warn.log warn;
                    root missing;
                }
                location /inherits/ { root missing; }
            }
            server {
                listen 127.0.0.1:\(other);
                location / { root missing; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/two/a").status == 404)
        #expect(try f.get("/inherits/b").status == 404)
        #expect(try TestClient.get(port: other, "/c").status == 404)
        let two = f.logFile("logs/debug.log", containing: "/two/a")
        #expect(two.contains(#"open() ""# ) && two.contains("missing/two/a\" failed (2: No such file or directory)"))
        #expect(f.logFile("logs/warn.log", containing: "/two/a").contains("missing/two/a"))
        let site = f.logFile("logs/site.log", containing: "/inherits/b")
        #expect(site.contains("missing/inherits/b") && !site.contains("/two/a") && !site.contains("/c\""))
        let http = f.logFile("logs/http.log", containing: "missing/c")
        #expect(!http.contains("/two/a") && !http.contains("/inherits/b"))
        // None of them reached the main error log.
        #expect(!f.errorLog().contains("No such file"))
    }

    /// A level's file that cannot be opened stops the load, as the main error log's does.
    @Test func anUnopenableLevelFileIsAnEmergency() throws {
        let prefix = try TempDir.make()
        try TempDir.write(prefix + "/conf/nginx.conf", """
            error_log stderr;
            events {}
            http { access_log off; server { listen 127.0.0.1:1; error_log /nonexistent-dir/x.log; } }
            """)
        let (status, stderr) = try ProxyProcess.run(arguments: ["-t", "-p", prefix, "-c", "conf/nginx.conf"], prefix: prefix)
        #expect(status != 0)
        #expect(stderr.contains(#"[emerg] open() "/nonexistent-dir/x.log" failed (2: No such file or directory)"#), "\(stderr)")
    }
}
