import Glibc
import SwitchyardTestSupport
import Testing

/// Bodies stream through in bounded memory: the proxy never holds a whole large body.
@Suite(.serialized) struct ProxyStreamingTests {
    static let size = 100 * 1024 * 1024

    /// The proxy's peak resident memory (VmHWM) in KiB.
    static func peakRSS(_ pid: pid_t) -> Int {
        guard let text = try? TempDir.read("/proc/\(pid)/status") else { return -1 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
        }
        return -1
    }

    @Test func hundredMebibytesDownAndUpInBoundedMemory() throws {
        let big = [UInt8](repeating: 0x61, count: Self.size)
        let backend = try MockBackend(name: "b") { req in
            req.method == "POST" ? MockResponse(text: "received \(req.body.count)") : MockResponse(body: big)
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_max_body_size 200m;
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let before = Self.peakRSS(f.proxy.pid)

        let down = try f.get("/big")
        #expect(down.status == 200)
        #expect(down.body.count == Self.size)

        let c = try f.client()
        try c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: \(Self.size)\r\n\r\n")
        try c.send(big)
        #expect(try c.readResponse().text == "received \(Self.size)")

        let peak = Self.peakRSS(f.proxy.pid)
        // 200 MiB crossed the proxy; its peak memory grew by a few buffers, not by a body.
        #expect(peak - before < 32 * 1024, "peak RSS grew from \(before) KiB to \(peak) KiB")
    }

    @Test func errorPageServesAConfiguredPage() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                error_page 404 /404.html;
                error_page 502 =503 /busy.html;
                location / { root html; }
                location /dead { proxy_pass http://127.0.0.1:\(freePort()); }
            }
            """, files: ["html/404.html": "custom not found\n", "html/busy.html": "busy\n"])
        defer { f.proxy.stop() }
        let missing = try f.get("/nothing-here")
        #expect(missing.status == 404)
        #expect(missing.text == "custom not found\n")
        let dead = try f.get("/dead")
        #expect(dead.status == 503)
        #expect(dead.text == "busy\n")
    }
}
