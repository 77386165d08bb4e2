import Glibc
import SwitchyardTestSupport
import Testing

/// limit_req and limit_conn end to end: the real binary, nginx's answers, logs and variables. Rates are slow
/// (per minute) wherever a test must not depend on how fast the machine runs.
@Suite(.serialized) struct LimitTests {
    static func fixture(_ http: String, files: [String: String] = ["html/index.html": "page\n"]) throws -> Fixture {
        try Fixture(http: http, files: files)
    }

    /// `burst=1 nodelay` at one request a minute: two pass, the third is refused, and the refusal was not
    /// counted (nginx-tests limit_req.t); `limit_req_status` changes the answer.
    @Test func overTheBurstIsRefused() throws {
        let f = try Self.fixture("""
            limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
            server {
                listen 127.0.0.1:PORT;
                root html;
                add_header X-Status $limit_req_status always;
                location / { limit_req zone=one burst=1 nodelay; }
                location /custom { limit_req zone=one burst=1 nodelay; limit_req_status 429; }
                location /free { }
            }
            """, files: ["html/index.html": "page\n", "html/custom/index.html": "c\n", "html/free/index.html": "f\n"])
        defer { f.proxy.stop() }
        let first = try f.get("/")
        #expect(first.status == 200 && first.text == "page\n" && first.header("X-Status") == "PASSED")
        #expect(try f.get("/").header("X-Status") == "PASSED")
        let refused = try f.get("/")
        #expect(refused.status == 503)
        #expect(refused.header("X-Status") == "REJECTED")
        #expect(try f.get("/custom/").status == 429)
        // No limit_req here: the variable is not found, so add_header adds nothing.
        let free = try f.get("/free/")
        #expect(free.status == 200 && free.header("X-Status") == nil)
        let log = f.logFile("logs/error.log", containing: "limiting requests")
        #expect(log.contains("[error]"))
        #expect(log.contains("limiting requests, excess: ") && log.contains(" by zone \"one\""))   // 2.000, or 1.999 on a slow run
    }

    /// Without `nodelay` a request over the rate waits its turn and is then served whole; the delay is logged
    /// one level below the refusals (`warn`).
    @Test func overTheRateWaitsThenIsServed() throws {
        let f = try Self.fixture("""
            limit_req_zone $binary_remote_addr zone=one:1m rate=2r/s;
            server {
                listen 127.0.0.1:PORT;
                root html;
                location / { limit_req zone=one burst=5; add_header X-Status $limit_req_status; }
            }
            """)
        defer { f.proxy.stop() }
        // Pipelined, so each is checked as soon as the one before is answered: the second and third come
        // well within half a second of the bucket's last request, whatever the machine's load.
        let c = try f.client()
        try c.send(String(repeating: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", count: 3))
        #expect(try c.readResponse().header("X-Status") == "PASSED")
        let second = try c.readResponse()
        #expect(second.status == 200 && second.text == "page\n")
        #expect(second.header("X-Status") == "DELAYED")
        let third = try c.readResponse()
        #expect(third.status == 200 && third.header("X-Status") == "DELAYED")
        // The second request is checked in the wake-up that answered the first, so no time has passed for the
        // bucket: excess 1.000 exactly, as nginx logs it (its clock is read once per wake-up too).
        let log = f.logFile("logs/error.log", containing: "delaying request")
        #expect(log.contains("[warn]") && log.contains("delaying request, excess: 1.000, by zone \"one\""), "\(log)")
    }

    /// A client that gives up while its request waits costs nothing more: the connection closes, the wait is
    /// cancelled, and the next client is served.
    @Test func aClientLeavingDuringTheDelayIsDropped() throws {
        let f = try Self.fixture("""
            limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
            server {
                listen 127.0.0.1:PORT;
                root html;
                location / { limit_req zone=one burst=100; }
                location /other { return 204; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").status == 200)
        for _ in 0..<5 {
            let c = try f.client()
            try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")   // waits a minute
            c.close()
        }
        #expect(try f.get("/other").status == 204)
        #expect(f.logFile("logs/error.log", containing: "delaying request").contains("delaying request"))
        #expect(!f.errorLog().contains("[alert]"))
    }

    /// Dry run: counted and logged as if limited, but served; the variable says what would have happened.
    @Test func dryRunServesAndTells() throws {
        let f = try Self.fixture("""
            limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
            server {
                listen 127.0.0.1:PORT;
                root html;
                limit_req_dry_run on;
                add_header X-Status $limit_req_status always;
                location /delay { limit_req zone=one burst=2; try_files /index.html =404; }
                location /reject { limit_req zone=one; try_files /index.html =404; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/delay").header("X-Status") == "PASSED")
        let delayed = try f.get("/delay")
        #expect(delayed.status == 200 && delayed.header("X-Status") == "DELAYED_DRY_RUN")
        let rejected = try f.get("/reject")
        #expect(rejected.status == 200 && rejected.header("X-Status") == "REJECTED_DRY_RUN")
        let log = f.logFile("logs/error.log", containing: "limiting requests, dry run")
        #expect(log.contains("delaying request, dry run"))
    }

    /// An empty key leaves the request alone: nginx-tests limit_req2.t's "no key".
    @Test func anEmptyKeyIsNotLimited() throws {
        let f = try Self.fixture("""
            limit_req_zone $arg_a zone=slow:1m rate=1r/m;
            server {
                listen 127.0.0.1:PORT;
                root html;
                location / { limit_req zone=slow nodelay; add_header X-Status $limit_req_status; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<3 { #expect(try f.get("/").status == 200) }
        #expect(try f.get("/?a=1").status == 200)
        #expect(try f.get("/?a=1").status == 503)
        #expect(try f.get("/?a=2").status == 200)   // its own bucket
    }

    /// With realip, the key is the forwarded client: two users behind one balancer have their own buckets.
    @Test func theKeyIsTheRealClientBehindABalancer() throws {
        let f = try Self.fixture("""
            limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
            server {
                listen 127.0.0.1:PORT;
                root html;
                set_real_ip_from 127.0.0.1;
                location / { limit_req zone=one; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/", headers: ["X-Real-IP": "192.0.2.1"]).status == 200)
        #expect(try f.get("/", headers: ["X-Real-IP": "192.0.2.1"]).status == 503)
        #expect(try f.get("/", headers: ["X-Real-IP": "192.0.2.2"]).status == 200)
    }

    /// limit_conn counts requests in progress per key: while one is held upstream the next is refused, in any
    /// location of the zone; a location of another zone, or without a limit, is not; a dry run serves and tells;
    /// once the first ends the key is free again. nginx-tests limit_conn.t and limit_conn_dry_run.t.
    @Test func limitConnCountsRequestsInProgress() throws {
        let gate = MockGate()
        let backend = try MockBackend(name: "slow") { _ in
            MockResponse(body: Array("o".utf8), hold: MockHold(gate: gate, rest: Array("k".utf8)))
        }
        defer { backend.stop() }
        let f = try Self.fixture("""
            limit_conn_zone $binary_remote_addr zone=addr:1m;
            limit_conn_zone $binary_remote_addr zone=other:1m;
            server {
                listen 127.0.0.1:PORT;
                root html;
                add_header X-Status $limit_conn_status always;
                location / { proxy_pass http://\(backend.address); limit_conn addr 1; }
                location /same { limit_conn addr 1; try_files /index.html =404; }
                location /zone { limit_conn other 1; try_files /index.html =404; }
                location /custom { limit_conn addr 1; limit_conn_status 501; limit_conn_log_level info; try_files /index.html =404; }
                location /free { try_files /index.html =404; }
                location /dry { limit_conn addr 1; limit_conn_dry_run on; try_files /index.html =404; }
            }
            """)
        defer { f.proxy.stop() }
        let held = try f.client()
        try held.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually { backend.requests == 1 })
        let refused = try f.get("/")
        #expect(refused.status == 503 && refused.header("X-Status") == "REJECTED")
        #expect(try f.get("/same").status == 503)
        #expect(try f.get("/custom").status == 501)
        #expect(try f.get("/zone").header("X-Status") == "PASSED")
        let free = try f.get("/free")
        #expect(free.status == 200 && free.header("X-Status") == nil)
        // Dry run: counted and logged as a refusal, but served.
        let dry = try f.get("/dry")
        #expect(dry.status == 200 && dry.header("X-Status") == "REJECTED_DRY_RUN")
        #expect(f.logFile("logs/error.log", containing: "limiting connections, dry run,").contains("by zone \"addr\""))
        gate.open()
        #expect(try held.readResponse().text == "ok")
        #expect(try f.get("/same").status == 200)
        let log = f.logFile("logs/error.log", containing: "by zone \"addr\"")
        #expect(log.contains("[error]") && log.contains("limiting connections by zone \"addr\""))
        #expect(log.contains("[info]") && log.contains("limiting connections by zone \"addr\""))
    }

    /// `limit_req_status 444` and `limit_conn_status 444` answer as `return 444` does: the connection closes with
    /// nothing sent (nginx's NGX_HTTP_CLOSE, which no error_page catches), and the request is logged with 444.
    @Test func status444ClosesWithNothingSent() throws {
        let gate = MockGate()
        let backend = try MockBackend(name: "slow") { _ in
            MockResponse(body: Array("o".utf8), hold: MockHold(gate: gate, rest: Array("k".utf8)))
        }
        defer { backend.stop() }
        let f = try Self.fixture("""
            limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
            limit_conn_zone $binary_remote_addr zone=addr:1m;
            log_format s '$uri $status';
            server {
                listen 127.0.0.1:PORT;
                root html;
                access_log logs/s.log s;
                location /req/ { limit_req zone=one; limit_req_status 444; error_page 444 = /handled; }
                location /held { proxy_pass http://\(backend.address); limit_conn addr 1; }
                location /conn/ { limit_conn addr 1; limit_conn_status 444; }
                location = /handled { return 200 "handled"; }
            }
            """, files: ["html/req/index.html": "r\n", "html/conn/index.html": "c\n"])
        defer { f.proxy.stop() }
        #expect(try f.get("/req/").status == 200)
        let refused = try f.raw("GET /req/ HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(refused == "", "\(refused)")
        let held = try f.client()
        try held.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually { backend.requests == 1 })
        let closed = try f.raw("GET /conn/ HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(closed == "", "\(closed)")
        gate.open()
        #expect(try held.readResponse().text == "ok")
        let log = f.logFile("logs/s.log", containing: "/conn/ 444\n")
        #expect(log.contains("/req/ 444\n") && log.contains("/conn/ 444\n"), "\(log)")
    }

    /// A request whose client disconnects mid-response gives its count back too.
    @Test func aClosedConnectionGivesItsCountBack() throws {
        let backend = try MockBackend(name: "hung") { _ in MockResponse(hang: true) }
        defer { backend.stop() }
        let f = try Self.fixture("""
            limit_conn_zone $binary_remote_addr zone=addr:1m;
            server {
                listen 127.0.0.1:PORT;
                root html;
                location / { proxy_pass http://\(backend.address); limit_conn addr 1; }
                location /same { limit_conn addr 1; try_files /index.html =404; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually { backend.requests == 1 })
        #expect(try f.get("/same").status == 503)
        c.close()
        #expect(eventually { (try? f.get("/same").status) == 200 })
    }

    /// A reload that keeps a zone keeps its counts (nginx reuses the shared memory zone); one that changes
    /// the zone's key is refused, as nginx refuses it, and the running configuration goes on.
    @Test func aReloadKeepsTheZone() throws {
        let config = { (key: String) in """
            error_log logs/error.log info;
            pid logs/switchyard.pid;
            events { worker_connections 1024; }
            http {
                access_log off;
                limit_req_zone \(key) zone=one:1m rate=1r/m;
                server { listen 127.0.0.1:PORT; root html; location / { limit_req zone=one; } }
            }
            """ }
        let f = try Self.fixture("limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;\nserver { listen 127.0.0.1:PORT; root html; location / { limit_req zone=one; } }")
        defer { f.proxy.stop() }
        #expect(eventually { f.errorLog().contains("started") })
        #expect(try f.get("/").status == 200)
        f.proxy.signal(SIGHUP)
        #expect(f.logFile("logs/error.log", containing: "reconfigured").contains("reconfigured"))
        #expect(try f.get("/").status == 503)   // still counted
        try TempDir.write(f.proxy.prefix + "/conf/nginx.conf",
                          config("$remote_addr").replacingOccurrences(of: "PORT", with: String(f.port)))
        f.proxy.signal(SIGHUP)
        let log = f.logFile("logs/error.log", containing: "previously it used")
        #expect(log.contains("limit_req \"one\" uses the \"$remote_addr\" key while previously it used the \"$binary_remote_addr\" key"))
        #expect(try f.get("/").status == 503)
    }
}
