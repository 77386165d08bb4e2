import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// The `metrics` location: Prometheus' text format, checked by promtool, with figures that follow what the
/// proxy did (per-server responses, failures, retries, session picks) and survive a reload.
@Suite(.serialized) struct MetricsTests {
    /// The value of one sample line, `name{labels} value`, or nil when the page has no such series.
    static func value(_ page: String, _ series: String) -> Double? {
        for line in page.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static func promtool(_ page: String) throws -> (Int32, String) {
        let dir = try TempDir.make()
        defer { unlink(dir + "/metrics.txt"); rmdir(dir) }
        try TempDir.write(dir + "/metrics.txt", page)
        return try TLSTestKit.run(["/bin/sh", "-c", "promtool check metrics < \(dir)/metrics.txt 2>&1"], in: dir, stdout: true)
    }

    @Test func serversResponsesAndTimesArePublishedAndPassPromtool() throws {
        let ok = try MockBackend(name: "ok") { _ in MockResponse(text: "fine") }
        let missing = try MockBackend(name: "missing") { _ in MockResponse(status: 404, text: "no") }
        defer { ok.stop(); missing.stop() }
        let f = try Fixture(http: """
            upstream app { server \(ok.address); server \(missing.address); }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://app; }
                location = /metrics { metrics; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<10 { _ = try f.get("/x") }
        let page = try f.get("/metrics")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let text = page.text
        let okServer = "upstream=\"app\",server=\"\(ok.address)\""
        let missingServer = "upstream=\"app\",server=\"\(missing.address)\""
        // Round-robin: five each.
        #expect(Self.value(text, "switchyard_server_http_responses_total{\(okServer),code=\"2xx\"}") == 5)
        #expect(Self.value(text, "switchyard_server_http_responses_total{\(missingServer),code=\"4xx\"}") == 5)
        #expect(Self.value(text, "switchyard_server_http_responses_total{\(okServer),code=\"4xx\"}") == 0)
        #expect(Self.value(text, "switchyard_server_requests_total{\(okServer)}") == 5)
        #expect(Self.value(text, "switchyard_server_status{\(okServer),state=\"up\"}") == 1)
        #expect(Self.value(text, "switchyard_server_status{\(okServer),state=\"down\"}") == 0)
        #expect(Self.value(text, "switchyard_server_response_time_seconds_count{\(okServer)}") == 5)
        #expect(Self.value(text, "switchyard_server_header_time_seconds_bucket{\(okServer),le=\"+Inf\"}") == 5)
        // The page itself is request 11, counted before it is written; the ten before it were logged.
        #expect(Self.value(text, "switchyard_process_requests_total") == 11)
        #expect(Self.value(text, "switchyard_process_http_responses_total{code=\"2xx\"}") == 5)
        #expect(Self.value(text, "switchyard_process_http_responses_total{code=\"4xx\"}") == 5)
        #expect(Self.value(text, "switchyard_process_reloads_total{result=\"ok\"}") == 0)
        #expect((Self.value(text, "switchyard_process_start_time_seconds") ?? 0) > 1_700_000_000)
        let (status, output) = try Self.promtool(text)
        #expect(status == 0, "promtool check metrics: \(output)")
    }

    @Test func aDeadServerShowsFailuresUnavailabilityAndRetries() throws {
        let live = try MockBackend(name: "live") { _ in MockResponse(text: "ok") }
        defer { live.stop() }
        let dead = "127.0.0.1:\(deadPort())"
        let f = try Fixture(http: """
            upstream app { server \(dead) max_fails=1 fail_timeout=60s; server \(live.address); }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://app; }
                location = /metrics { metrics; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<4 { #expect(try f.get("/").status == 200) }
        let text = try f.get("/metrics").text
        let deadServer = "upstream=\"app\",server=\"\(dead)\""
        #expect(Self.value(text, "switchyard_server_failures_total{\(deadServer)}") == 1)
        #expect(Self.value(text, "switchyard_server_unavailable_total{\(deadServer)}") == 1)
        #expect(Self.value(text, "switchyard_server_status{\(deadServer),state=\"down\"}") == 1)
        #expect(Self.value(text, "switchyard_server_status{\(deadServer),state=\"up\"}") == 0)
        #expect(Self.value(text, "switchyard_upstream_retries_total{upstream=\"app\"}") == 1)
        #expect(Self.value(text, "switchyard_server_http_responses_total{upstream=\"app\",server=\"\(live.address)\",code=\"2xx\"}") == 4)
    }

    @Test func sessionPicksAreCountedAsHitsMissesAndFailovers() throws {
        let t1 = try MockBackend(name: "tomcat1") { _ in MockResponse(text: "1") }
        let t2 = try MockBackend(name: "tomcat2") { _ in MockResponse(text: "2") }
        defer { t1.stop(); t2.stop() }
        let f = try Fixture(http: """
            upstream tomcats {
                jvm_route $cookie_JSESSIONID reverse;
                server \(t1.address) srun_id=tomcat1;
                server \(t2.address) srun_id=tomcat2 down;
            }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://tomcats; }
                location = /metrics { metrics; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<3 { _ = try f.get("/", headers: ["Cookie": "JSESSIONID=A1.tomcat1"]) }   // its owner
        for _ in 0..<2 { _ = try f.get("/", headers: ["Cookie": "JSESSIONID=B2.tomcat2"]) }   // owner down: stand-in
        _ = try f.get("/")                                                                     // no session
        let text = try f.get("/metrics").text
        #expect(Self.value(text, "switchyard_upstream_session_picks_total{upstream=\"tomcats\",result=\"hit\"}") == 3)
        #expect(Self.value(text, "switchyard_upstream_session_picks_total{upstream=\"tomcats\",result=\"failover\"}") == 2)
        #expect(Self.value(text, "switchyard_upstream_session_picks_total{upstream=\"tomcats\",result=\"miss\"}") == 1)
        #expect(Self.value(text, "switchyard_server_status{upstream=\"tomcats\",server=\"\(t2.address)\",state=\"maint\"}") == 1)
        let (status, output) = try Self.promtool(text)
        #expect(status == 0, "promtool check metrics: \(output)")
    }

    @Test func countersSurviveAReload() throws {
        let b = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { b.stop() }
        let f = try Fixture(http: """
            upstream app { server \(b.address); }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://app; }
                location = /metrics { metrics; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(eventually { f.errorLog().contains("started") })
        for _ in 0..<3 { _ = try f.get("/") }
        f.proxy.signal(SIGHUP)
        #expect(f.logFile("logs/error.log", containing: "reconfigured").contains("reconfigured"))
        _ = try f.get("/")
        let text = try f.get("/metrics").text
        let server = "upstream=\"app\",server=\"\(b.address)\""
        #expect(Self.value(text, "switchyard_server_http_responses_total{\(server),code=\"2xx\"}") == 4)
        #expect(Self.value(text, "switchyard_server_requests_total{\(server)}") == 4)
        #expect(Self.value(text, "switchyard_process_http_responses_total{code=\"2xx\"}") == 4)
        #expect(Self.value(text, "switchyard_process_reloads_total{result=\"ok\"}") == 1)
        #expect(Self.value(text, "switchyard_process_last_reload_success") == 1)
        #expect((Self.value(text, "switchyard_process_last_reload_time_seconds") ?? 0) > 1_700_000_000)
    }

    @Test func onlyGetAndHeadAreAnswered() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location = /metrics { metrics; } }
            """)
        defer { f.proxy.stop() }
        let reply = try f.raw("DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(reply.hasPrefix("HTTP/1.1 405"))
    }

    @Test func secondsAndLabelValuesAreWrittenAsTheFormatWants() {
        #expect(Exposition.seconds(2_500) == "0.0025")
        #expect(Exposition.seconds(1_000_000) == "1")
        #expect(Exposition.seconds(10_250_000) == "10.25")
        #expect(Exposition.seconds(0) == "0")
        #expect(Exposition.escape("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
    }
}
