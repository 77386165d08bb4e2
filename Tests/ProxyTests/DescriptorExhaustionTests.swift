import Glibc
import SwitchyardTestSupport
import Testing

/// 120 connections against `worker_rlimit_nofile 64`: the worker accepts until it is out of descriptors, the
/// rest wait in the backlog. `leave()` (or the end of the test) closes them all and gives the descriptors back.
private final class Crowd {
    private var clients: [TestClient] = []
    init(_ f: Fixture) throws { for _ in 0..<120 { clients.append(try f.client()) } }
    deinit { leave() }

    /// A connection the worker accepted before it ran out.
    var first: TestClient { clients[0] }

    func leave() {
        for c in clients { c.close() }
        clients.removeAll()
    }
}

/// What a process out of descriptors (EMFILE) does, as nginx does it: it stops accepting for a while instead of
/// spinning, and a socket or file it cannot open is its own failure (a 500, `[crit]` or `[alert]`), never the
/// servers' (none marked down) nor a missing file's (no 404).
@Suite(.serialized) struct DescriptorExhaustionTests {
    private static let main = "worker_rlimit_nofile 64;"

    private static func errorLines(_ f: Fixture, _ text: String) -> Int {
        f.errorLog().split(separator: "\n").filter { $0.contains(text) }.count
    }

    private static func outOfDescriptors(_ f: Fixture) -> Bool {
        eventually(seconds: 5) { f.errorLog().contains("accept4() failed (24: Too many open files)") }
    }

    private static func get(_ c: TestClient, _ path: String) throws -> TestResponse {
        try c.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
        return try c.readResponse()
    }

    /// The listener stays readable while connections wait, and accepting again at once spun a core and wrote
    /// hundreds of thousands of `accept4() failed` lines a second; the worker now pauses 500 ms each time.
    @Test func runningOutOfDescriptorsPausesAcceptingInsteadOfSpinning() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { return 200 \"ok\"; } }", main: Self.main)
        defer { f.proxy.stop() }
        let crowd = try Crowd(f)
        #expect(try Self.get(crowd.first, "/").text == "ok")   // accepted before the limit: served meanwhile
        #expect(Self.outOfDescriptors(f))
        usleep(1_200_000)   // two to three pauses
        let failures = Self.errorLines(f, "accept4() failed")
        #expect(failures >= 1 && failures <= 8, "\(failures) accept4() failures logged in about a second")
        crowd.leave()
        let c = try f.client()
        defer { c.close() }
        #expect(try Self.get(c, "/").text == "ok")
    }

    /// A reload signalled while the process is out of descriptors cannot read its configuration: as any reload
    /// that fails, `[emerg] open() … failed (24: …)`, the running configuration goes on serving, and the next
    /// reload, with descriptors back, goes through.
    @Test func aReloadOutOfDescriptorsKeepsServingTheOldConfiguration() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { return 200 \"ok\"; } }", main: Self.main)
        defer { f.proxy.stop() }
        let crowd = try Crowd(f)
        #expect(Self.outOfDescriptors(f))
        f.proxy.signal(SIGHUP)
        let log = f.logFile("logs/error.log", containing: "reload failed")
        #expect(log.contains("nginx.conf\" failed (24: Too many open files)"), "\(log)")
        #expect(log.contains("reload failed, still serving the previous configuration"))
        #expect(try Self.get(crowd.first, "/").text == "ok")
        crowd.leave()
        // Descriptors back: a new client served (the closed ones queued before it were taken and let go), and
        // the worker's count of them well under the limit (the closes it has yet to see would fail the reload).
        let c = try f.client()
        defer { c.close() }
        #expect(try Self.get(c, "/").text == "ok")
        #expect(eventually(seconds: 5) { Self.descriptors(of: f.proxy.pid) < 40 })
        f.proxy.signal(SIGHUP)
        #expect(f.logFile("logs/error.log", containing: "reconfigured").contains("reconfigured"))
        #expect(try Self.get(c, "/").text == "ok")
    }

    /// How many descriptors the process has open (its /proc fd directory's entries).
    private static func descriptors(of pid: pid_t) -> Int {
        guard let d = opendir("/proc/\(pid)/fd") else { return 0 }
        defer { closedir(d) }
        var n = 0
        while readdir(d) != nil { n += 1 }
        return n - 2   // `.` and `..`
    }

    /// No socket for the upstream: as nginx, a 500 with `[alert] socket() failed`, and no server counted as
    /// failed. Marked failed (the old behaviour, a 502), both servers stayed out for fail_timeout after the
    /// descriptors came back.
    @Test func noSocketForTheUpstreamIsA500AndNoServerIsMarkedDown() throws {
        let backend = try MockBackend(name: "app") { _ in MockResponse(text: "app") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { server 127.0.0.1:\(backend.port); server 127.0.0.1:\(backend.port) max_fails=1; }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://app; } }
            """, main: Self.main)
        defer { f.proxy.stop() }
        let crowd = try Crowd(f)
        #expect(Self.outOfDescriptors(f))
        #expect(try Self.get(crowd.first, "/").status == 500)
        #expect(Self.errorLines(f, "[alert]") >= 1
                && Self.errorLines(f, "socket() failed (24: Too many open files) while connecting to upstream") == 1)
        crowd.leave()
        #expect(eventually(seconds: 5) { (try? f.get("/").text) == "app" })   // both servers still in
        #expect(Self.errorLines(f, "no live upstreams") == 0)
    }

    /// A health check that cannot make its socket gives no verdict: the server stays in, an alert says why.
    @Test func aHealthCheckWithoutASocketGivesNoVerdict() throws {
        let backend = try MockBackend(name: "app") { _ in MockResponse(text: "app") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { zone app 64k; server 127.0.0.1:\(backend.port); }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://app; health_check interval=50ms fails=1; } }
            """, main: Self.main)
        defer { f.proxy.stop() }
        let crowd = try Crowd(f)
        #expect(eventually(seconds: 5) {
            Self.errorLines(f, "socket() failed (24: Too many open files) while connecting to upstream, health check") > 0
        })
        crowd.leave()
        #expect(eventually(seconds: 5) { (try? f.get("/").text) == "app" })
        #expect(Self.errorLines(f, "peer is unhealthy") == 0, "\(f.errorLog())")
    }

    /// A file that is there but cannot be opened: nginx's `[crit] open() … failed (24: …)` and a 500, never a
    /// 404 (which a cache in front would keep).
    @Test func aFileThatCannotBeOpenedForWantOfDescriptorsIsA500() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; root html; }", main: Self.main,
                            files: ["html/f.txt": "file\n"])
        defer { f.proxy.stop() }
        let crowd = try Crowd(f)
        #expect(Self.outOfDescriptors(f))
        #expect(try Self.get(crowd.first, "/f.txt").status == 500)
        #expect(Self.errorLines(f, "f.txt\" failed (24: Too many open files)") == 1 && Self.errorLines(f, "[crit]") >= 1)
        crowd.leave()
        #expect(eventually(seconds: 5) { (try? f.get("/f.txt").text) == "file\n" })
    }

    /// A stored entry that cannot be opened is logged in nginx's words, and the request goes upstream over the
    /// kept-alive connection, answered whole.
    @Test func aCacheEntryThatCannotBeOpenedGoesUpstream() throws {
        let backend = try MockBackend(name: "app") { _ in MockResponse(text: "fresh") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path cache levels=1:2 keys_zone=c:1m;
            upstream app { server 127.0.0.1:\(backend.port); keepalive 4; }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_cache c; proxy_cache_valid 200 1h; proxy_http_version 1.1;
                             proxy_set_header Connection ""; proxy_pass http://app; }
            }
            """, main: Self.main)
        defer { f.proxy.stop() }
        #expect(try f.get("/a").text == "fresh")   // stored, and a kept-alive upstream connection
        let crowd = try Crowd(f)
        #expect(Self.outOfDescriptors(f))
        #expect(try Self.get(crowd.first, "/a").text == "fresh")
        // The read's line (the fill that follows cannot open its file either: `…, not cached`).
        let reads = f.errorLog().split(separator: "\n").filter {
            $0.contains("open() on cache file \"") && $0.hasSuffix("\" failed (24: Too many open files)")
        }
        #expect(reads.count == 1, "\(f.errorLog())")
        #expect(Self.errorLines(f, "could not be read") == 0)
    }
}
