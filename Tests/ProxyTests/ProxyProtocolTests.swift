import Glibc
import SwitchyardTestSupport
import Testing

/// `listen … proxy_protocol` end to end: the header's addresses in variables and realip, and a connection
/// without a good header closed before anything of it is served or forwarded.
@Suite(.serialized) struct ProxyProtocolTests {
    static func fixture(backend: String) throws -> Fixture {
        try Fixture(http: """
            log_format pp '$remote_addr:$remote_port $proxy_protocol_addr:$proxy_protocol_port';
            server {
                listen 127.0.0.1:PORT proxy_protocol;
                add_header X-PP "$proxy_protocol_addr!$proxy_protocol_port!$proxy_protocol_server_addr!$proxy_protocol_server_port";
                add_header X-IP $remote_addr;
                location / { proxy_pass http://\(backend); proxy_set_header X-Forwarded-For $proxy_protocol_addr; }
                location /real { set_real_ip_from 127.0.0.1; real_ip_header proxy_protocol; access_log logs/pp.log pp;
                                 proxy_pass http://\(backend); }
            }
            """)
    }

    @Test func theHeaderNamesTheClientAndNeverReachesTheUpstream() throws {
        let b = try MockBackend(name: "app") { _ in MockResponse(text: "ok") }
        defer { b.stop() }
        let f = try Self.fixture(backend: b.address)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("PROXY TCP4 192.0.2.1 192.0.2.2 123 5678\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 200 && r.text == "ok")
        #expect(r.header("X-PP") == "192.0.2.1!123!192.0.2.2!5678")
        #expect(r.header("X-IP") == "127.0.0.1")   // no realip here: the peer stays $remote_addr
        let seen = b.received.last!
        #expect(seen.target == "/")
        #expect(seen.header("X-Forwarded-For") == "192.0.2.1")
        // The header is the connection's: a second request on it still knows it.
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().header("X-PP") == "192.0.2.1!123!192.0.2.2!5678")
        #expect(b.requests == 2)
    }

    /// Version 2 over realip: the client becomes `$remote_addr`, in the logs too.
    @Test func version2WithRealIP() throws {
        let b = try MockBackend(name: "app") { _ in MockResponse(text: "ok") }
        defer { b.stop() }
        let f = try Self.fixture(backend: b.address)
        defer { f.proxy.stop() }
        let c = try f.client()
        let header: [UInt8] = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
                               0x21, 0x21, 0x00, 36] + [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
            + [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2] + [0, 123, 0x16, 0x2e]
        try c.send(header + Array("GET /real HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.header("X-IP") == "2001:db8::1")
        #expect(f.logFile("logs/pp.log", containing: "2001").contains("2001:db8::1:123 2001:db8::1:123"))
    }

    /// A header in two pieces is waited for (nginx wants it in one read); the request behind it is served.
    @Test func aSplitHeaderIsWaitedFor() throws {
        let b = try MockBackend(name: "app") { _ in MockResponse(text: "ok") }
        defer { b.stop() }
        let f = try Self.fixture(backend: b.address)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("PROXY TCP4 192.0.2.1 ")
        usleep(50_000)
        try c.send("192.0.2.2 123 5678\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().header("X-PP") == "192.0.2.1!123!192.0.2.2!5678")
    }

    /// No header, or a broken one: the connection closes without an answer, nginx's [error] line is logged,
    /// and the upstream never hears of it.
    @Test(arguments: ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", "PROXY TCP4 192.0.2.x 192.0.2.2 1 2\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"])
    func aMissingOrBrokenHeaderClosesTheConnection(request: String) throws {
        let b = try MockBackend(name: "app") { _ in MockResponse(text: "ok") }
        defer { b.stop() }
        let f = try Self.fixture(backend: b.address)
        defer { f.proxy.stop() }
        #expect(try f.raw(request) == "")
        let log = f.logFile("logs/error.log", containing: "while reading PROXY protocol")
        #expect(log.contains("[error]") && log.contains("broken header: \"") && log.contains("while reading PROXY protocol"))
        #expect(b.requests == 0)
    }
}
