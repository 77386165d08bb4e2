import EventLoop
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Synchronization
import Testing

/// An access log the disk cannot take costs the requests nothing, and the error log says so in nginx's words:
/// a failed write once a minute per log (`[alert] write() to "…" failed (28: …)`), a file a path with variables
/// names that does not open each time (`[crit] open() "…" failed`). /dev/full fails every write with ENOSPC.
@Suite(.serialized) struct AccessLogFailureTests {
    /// Lines of the error log that contain `text`.
    private func lines(_ f: Fixture, _ text: String) -> [Substring] {
        f.errorLog().split(separator: "\n").filter { $0.contains(text) }
    }

    @Test func aFullDiskIsReportedOnceAMinuteWhileRequestsGoOn() throws {
        guard access("/dev/full", W_OK) == 0 else { return }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /full/ { access_log /dev/full; return 200 "ok"; }
                location /fine/ { access_log logs/fine.log; return 200 "fine"; }
            }
            """)
        defer { f.proxy.stop() }
        // One keep-alive connection: each line is written as its response completes, before the worker reads the
        // connection's next request, so once fine.log has the last line every /dev/full write was tried.
        let c = try f.client()
        defer { c.close() }
        for i in 0..<3 {
            try c.send("GET /full/\(i) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "ok")
        }
        try c.send("GET /fine/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try c.readResponse().text == "fine")
        #expect(f.logFile("logs/fine.log", containing: "GET /fine/ ").contains("GET /fine/ "))
        let alerts = lines(f, "write() to \"/dev/full\" failed (28: No space left on device) while logging request")
        #expect(alerts.count == 1, "\(f.errorLog())")
        #expect(alerts.first?.contains(" [alert] ") == true)
    }

    @Test func aBufferThatCannotBeFlushedIsReportedWithoutARequest() throws {
        guard access("/dev/full", W_OK) == 0 else { return }
        // A line is longer than the buffer, so each request flushes it.
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { access_log /dev/full combined buffer=32; return 200 "ok"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/a").text == "ok")
        #expect(try f.get("/b").text == "ok")
        #expect(eventually(seconds: 5) { !lines(f, "write() to \"/dev/full\" failed (28: ").isEmpty })
        let alerts = lines(f, "write() to \"/dev/full\" failed (28: No space left on device)")
        #expect(alerts.count == 1 && alerts[0].contains(" [alert] ") && !alerts[0].contains("while logging"),
                "\(f.errorLog())")
    }

    @Test func aFileAPathWithVariablesNamesThatDoesNotOpenIsReportedEachTime() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { access_log logs/missing-dir/$arg_f.log; return 200 "ok"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/?f=a").text == "ok")
        #expect(try f.get("/?f=b").text == "ok")
        #expect(eventually(seconds: 5) { lines(f, "missing-dir/").count == 2 })
        let failures = lines(f, "missing-dir/")
        try #require(failures.count == 2, "\(f.errorLog())")   // required: the lines are read by index below
        #expect(failures.allSatisfy { $0.contains(" [crit] ") && $0.contains("open() \"")
            && $0.contains("failed (2: No such file or directory) while logging request, client: 127.0.0.1, server: ") })
        #expect(failures[0].contains("missing-dir/a.log\"") && failures[1].contains("missing-dir/b.log\""))
    }

    /// The pace and the words, without a disk: a report, then none within the minute, then one again.
    @Test func oneReportAMinuteInNginxWords() {
        let last = Atomic<Int>(Int.min)
        func report(_ r: IOResult, at now: Int) -> String? {
            AccessLogFailure.report(r, of: 120, path: "/var/log/a.log", lastReport: last, now: now)
        }
        #expect(report(.error(ENOSPC), at: 1_000) == "write() to \"/var/log/a.log\" failed (28: No space left on device)")
        #expect(report(.error(ENOSPC), at: 1_030) == nil)
        #expect(report(.error(EIO), at: 1_059) == nil)
        #expect(report(.done(40), at: 1_060) == "write() to \"/var/log/a.log\" was incomplete: 40 of 120")
    }
}
