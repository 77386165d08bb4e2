import Glibc
import SwitchyardTestSupport
import Testing

/// WebSocket over TLS through the Upgrade tunnel: `wss://` to switchyard (`listen … ssl`), `proxy_pass https://`
/// to a TLS WebSocket origin, and both at once. The same Python client and server as WebSocketTests.
@Suite(.serialized) struct WebSocketTLSTests {
    // (client to switchyard over TLS, switchyard to the origin over TLS)
    @Test(arguments: [(client: true, origin: false), (client: false, origin: true), (client: true, origin: true)])
    func echoBulkAndClosesOverTLS(_ tls: (client: Bool, origin: Bool)) throws {
        try #require(WebSocketPython.available, Comment(rawValue: WebSocketPython.missing))
        let kit = try TLSTestKit()
        defer { kit.remove() }
        let port = freePort()
        let node = try PythonProcess("ws_server.py", [String(port), "node1"]
                                     + (tls.origin ? [kit.path("rsa.crt"), kit.path("rsa.key")] : []))
        defer { node.stop() }
        try #require(eventually(seconds: 20) { node.stdout().contains("ready") || node.reap() != nil } && node.reap() == nil,
                     "ws_server.py did not start: \(node.stderr())")
        let originTLS = tls.origin ? """
            proxy_ssl_server_name on; proxy_ssl_name localhost;
            proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("ca.crt"));
            """ : ""
        let f = try Fixture(http: """
            map $http_upgrade $connection_upgrade { default upgrade; '' close; }
            log_format ws '$status $scheme';
            upstream wsapp { server 127.0.0.1:\(port); }
            server {
                listen 127.0.0.1:PORT\(tls.client ? " ssl" : "");
                ssl_certificate \(kit.path("ec.crt")); ssl_certificate_key \(kit.path("ec.key"));
                location / {
                    proxy_pass \(tls.origin ? "https" : "http")://wsapp; access_log logs/ws.log ws;
                    \(originTLS)
                    \(WebSocketTests.upgradeLines)
                }
            }
            """)
        defer { f.proxy.stop() }
        let url = (tls.client ? "wss" : "ws") + "://127.0.0.1:\(f.port)/chat?tls=1"
        let echo = try PythonProcess.client(url, "echo")
        #expect(echo.status == 0 && echo.output.contains("greeting node1 /chat?tls=1") && echo.output.contains("echo ok"),
                "\(echo.output)\n\(f.errorLog())")
        let bulk = try PythonProcess.client(url, "bulk", ["4"], seconds: 120)
        #expect(bulk.status == 0 && bulk.output.contains("bulk ok \(4 * 1024 * 1024)"), "\(bulk.output)\n\(f.errorLog())")
        let byClient = try PythonProcess.client(url, "close-client")
        #expect(byClient.status == 0 && byClient.output.contains("closed 1000"), "\(byClient.output)")
        let byServer = try PythonProcess.client(url, "close-server")
        #expect(byServer.status == 0 && byServer.output.contains("closed 4000 server bye"), "\(byServer.output)")
        // Each tunnel is logged on close as a 101, with the client side's scheme.
        let log = f.logFile("logs/ws.log", containing: "101 ")
        #expect(log.split(separator: "\n").contains { $0 == "101 " + (tls.client ? "https" : "http") }, "\(log)")
        #expect(!f.errorLog().contains("[alert]") && !f.errorLog().contains("[crit]"))
    }
}
