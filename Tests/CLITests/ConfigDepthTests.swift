import Glibc
import SwitchyardTestSupport
import Testing

/// Issue 13 item 8: block nesting is bounded (ConfigReader.maxBlockDepth, 100 levels) before anything walks the
/// tree recursively, so a deep file is an `[emerg]` with file:line from `-t` and from a reload, never a crash.
@Suite(.serialized) struct ConfigDepthTests {
    static let maxDepth = 100

    /// `http { server {` then `locations` nested prefix locations, location k on line k + 2 at depth k + 2;
    /// the deepest answers "deep".
    static func nested(_ locations: Int, port: UInt16, closed: Bool = true) -> String {
        var s = "events {}\nhttp { access_log off; server { listen 127.0.0.1:\(port);\n"
        for k in 1...locations { s += "location \(path(min(k, maxDepth))) {\n" }   // the file stays small
        s += "return 200 \"deep\";\n"
        if closed { s += String(repeating: "}\n", count: locations) + "} }\n" }
        return s
    }

    static func path(_ k: Int) -> String { String(repeating: "/l", count: k) }

    private func check(_ text: String) throws -> (status: Int32, stderr: String, file: String) {
        let prefix = try TempDir.makePrefix()
        try TempDir.write(prefix + "/conf/nginx.conf", text)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        return (p.status, p.stderr, prefix + "/conf/nginx.conf")
    }

    /// The deepest nesting accepted loads, and a worker thread finds its deepest location.
    @Test func theLimitItselfLoadsAndServes() throws {
        let locations = Self.maxDepth - 2
        let t = try check(Self.nested(locations, port: 1))
        #expect(t.status == 0, "\(t.stderr)")
        let port = freePort()
        let p = try ProxyProcess(config: "error_log logs/error.log info;\n" + Self.nested(locations, port: port),
                                 waitForPort: port)
        defer { p.stop() }
        #expect(try TestClient.get(port: port, Self.path(locations) + "/x").text == "deep")
    }

    /// One level more, closed or never closed, shallow or far beyond the old crash depths (262 built, ~25,000
    /// unterminated): the same `[emerg]` at the block that goes too deep.
    @Test(arguments: [(Self.maxDepth - 1, true), (1000, true), (30_000, false)])
    func deeperIsEmergWithFileAndLine(locations: Int, closed: Bool) throws {
        let t = try check(Self.nested(locations, port: 1, closed: closed))
        #expect(t.status == 1, "\(t.stderr.prefix(300))")
        #expect(t.stderr.contains("[emerg] blocks are nested deeper than \(Self.maxDepth) levels in \(t.file):\(Self.maxDepth + 1)"),
                "\(t.stderr.prefix(300))")
        #expect(t.stderr.contains("test failed"))
    }

    /// SIGHUP onto a too-deep file logs the `[emerg]` and the old configuration keeps serving.
    @Test func reloadOntoADeepFileKeepsServing() throws {
        let port = freePort()
        let p = try ProxyProcess(config: """
            error_log logs/error.log info;
            events {}
            http { access_log off; server { listen 127.0.0.1:\(port); location / { return 200 "old"; } } }
            """, waitForPort: port)
        defer { p.stop() }
        try TempDir.write(p.prefix + "/conf/nginx.conf", "error_log logs/error.log info;\n" + Self.nested(1000, port: port))
        p.signal(SIGHUP)
        #expect(eventually { p.file("logs/error.log").contains("reload failed") })
        let log = p.file("logs/error.log")
        #expect(log.contains("[emerg]"))
        #expect(log.contains("blocks are nested deeper than \(Self.maxDepth) levels in \(p.prefix)/conf/nginx.conf:\(Self.maxDepth + 2)"), "\(log)")
        #expect(try TestClient.get(port: port, "/").text == "old")
        #expect(p.stop() == 0)
    }
}
