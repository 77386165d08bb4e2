import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// Headless Chromium (Debian `chromium`) and python3-websockets, both installed by `scripts/setup.sh test`.
enum BrowserScript {
    static let path = Package.root + "/Tests/BrowserScripts/dashboard_cdp.py"
    static let available = (access("/usr/bin/chromium", X_OK) == 0 || access("/usr/bin/chromium-browser", X_OK) == 0)
        && WebSocketPython.available
    static let missing = "skipped: chromium or python3-websockets is not installed (scripts/setup.sh test installs both as root)"
}

/// The dashboard in a real browser: switchyard with two MockBackends (and a third server set down) in a
/// jvm_route upstream with a zone, an `api write=on` location and a `dashboard` location. The script
/// (Tests/BrowserScripts/dashboard_cdp.py) loads the page, waits for the table to fill with rates while it sends
/// session traffic, checks that the page fits 1280 px and 390 px, takes both screenshots, clicks a server's
/// button with the mouse and waits for the row to change; the test then reads the server from the API.
/// `DASHBOARD_SCREENSHOTS=docs` keeps the screenshots there (docs/dashboard.png, docs/dashboard-phone.png).
@Suite(.serialized, .enabled(if: BrowserScript.available, Comment(rawValue: BrowserScript.missing)))
struct DashboardBrowserTests {
    static let sessions = ["JSESSIONID=A1.tomcat1", "JSESSIONID=A2.tomcat1", "JSESSIONID=B1.tomcat2",
                           "JSESSIONID=B2.tomcat2", "JSESSIONID=B3.tomcat2", "JSESSIONID=C1.tomcat3"]

    /// Runs the script to its end: its exit status and every line it printed.
    static func drive(_ f: Fixture, server: Int, action: String, state: String,
                      screenshots: String? = nil) throws -> (Int32, String) {
        var args = ["http://127.0.0.1:\(f.port)/dashboard", "http://127.0.0.1:\(f.port)/api", "tomcat-lb",
                    String(server), action, state]
        if let screenshots { args += ["--screenshots", screenshots] }
        args += ["--traffic", "http://127.0.0.1:\(f.port)/app"] + sessions
        let p = try PythonProcess(path: BrowserScript.path, args)
        let status = p.wait(seconds: 240)
        return (status, p.stdout() + p.stderr())
    }

    /// A PNG's width and height (its IHDR chunk).
    static func pngSize(_ path: String) -> (Int, Int)? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 24)
        guard read(fd, &b, 24) == 24, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47 else { return nil }
        func be(_ i: Int) -> Int { b[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    static func server(_ f: Fixture, _ id: Int) throws -> JSON {
        let r = try f.get("/api/9/http/upstreams/tomcat-lb")
        #expect(r.status == 200)
        let peers = try #require(try JSON.parse(r.body)["peers"]?.array)
        return try #require(peers.first { $0["id"] == .int(id) })
    }

    @Test func drainAndUndrainWithTheButtons() throws {
        let t1 = try MockBackend(name: "tomcat1") { _ in MockResponse(text: "1") }
        let t2 = try MockBackend(name: "tomcat2") { _ in MockResponse(text: "2") }
        defer { t1.stop(); t2.stop() }
        let f = try Fixture(http: """
            upstream tomcat-lb {
                jvm_route $cookie_JSESSIONID reverse;
                zone tomcat-lb 64k;
                server \(t1.address) srun_id=tomcat1;
                server \(t2.address) srun_id=tomcat2;
                server 127.0.0.1:\(deadPort()) srun_id=tomcat3 down;
            }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://tomcat-lb; }
                location /api { api write=on; allow 127.0.0.1; deny all; }
                location = /dashboard { dashboard; allow 127.0.0.1; deny all; }
            }
            """)
        defer { f.proxy.stop() }

        // Drain tomcat2 with its button: the row turns to draining, and so does the API's server.
        let (drained, out) = try Self.drive(f, server: 1, action: "drain", state: "draining")
        #expect(drained == 0, "\(out)\n\(f.errorLog())")
        #expect(out.contains("rows 3 after"), "\(out)")
        #expect(out.contains("writable API access: read-write"), "\(out)")
        #expect(out.contains("row 1 up drain") && out.contains("row 2 down up"), "\(out)")
        #expect(out.contains("page draining after") && out.contains(", button undrain"), "\(out)")
        #expect(out.contains("api draining drain=true"), "\(out)")
        let peer = try Self.server(f, 1)
        #expect(peer["state"] == .string("draining") && peer["drain"] == .bool(true))
        // Its bound sessions still reach it (B1-B3, and C1 when tomcat2 is tomcat3's stand-in): not drained.
        #expect((peer["sessions"]?.int ?? 0) > 0 && peer["drained"] == .bool(false), "\(peer)")

        // Undrain it (PATCH {"down": false}); the page is loaded again, finds the row draining and the button
        // saying so. The screenshots show the three states: up, draining, down.
        let kept = getenv("DASHBOARD_SCREENSHOTS").map { String(cString: $0) }.map { $0.hasPrefix("/") ? $0 : Package.root + "/" + $0 }
        let shots = try kept ?? TempDir.make()
        let (undrained, out2) = try Self.drive(f, server: 1, action: "undrain", state: "up", screenshots: shots)
        #expect(undrained == 0, "\(out2)\n\(f.errorLog())")
        #expect(out2.contains("row 1 draining undrain"), "\(out2)")
        #expect(out2.contains("phone layout fits"), "\(out2)")
        #expect(out2.contains("api up drain=false"), "\(out2)")
        let back = try Self.server(f, 1)
        #expect(back["state"] == .string("up") && back["drain"] == .bool(false))
        #expect(Self.pngSize(shots + "/dashboard.png").map { [$0.0, $0.1] } == [1280, 800])
        #expect(Self.pngSize(shots + "/dashboard-phone.png").map { [$0.0, $0.1] } == [390, 844])
    }
}
