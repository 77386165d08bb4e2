import EventLoop
@testable import Proxy
import Testing

/// `proxy_pass` URLs with variables, split and routed as nginx does once the variables are evaluated.
struct DynamicProxyURLTests {
    // url, host, port, $proxy_host, $proxy_port, URI part
    static let splits: [(String, String, UInt16, String, String, String?)] = [
        ("http://pool_a", "pool_a", 80, "pool_a", "80", nil),
        ("HTTP://Pool_A/", "Pool_A", 80, "Pool_A", "80", "/"),
        ("http://127.0.0.1:8081", "127.0.0.1", 8081, "127.0.0.1:8081", "8081", nil),
        ("http://127.0.0.1:80/x", "127.0.0.1", 80, "127.0.0.1", "80", "/x"),
        ("http://10.0.0.1:9000/a/b?c=d", "10.0.0.1", 9000, "10.0.0.1:9000", "9000", "/a/b?c=d"),
        ("http://backend?x=1", "backend", 80, "backend", "80", "/?x=1"),
        ("http://[::1]:8080/v6", "[::1]", 8080, "[::1]:8080", "8080", "/v6"),
        ("https://pool_a", "pool_a", 443, "pool_a", "443", nil),
        ("HTTPS://127.0.0.1:443/x", "127.0.0.1", 443, "127.0.0.1", "443", "/x"),
        ("https://127.0.0.1:8443/x", "127.0.0.1", 8443, "127.0.0.1:8443", "8443", "/x"),
        // A socket: nginx's host is `localhost` and the port empty; the path ends at the first ":".
        ("http://unix:/run/app.sock", "localhost", 0, "localhost", "", nil),
        ("http://unix:/run/app.sock:/in/x?y", "localhost", 0, "localhost", "", "/in/x?y"),
    ]

    @Test(arguments: splits)
    func splitsLikeNginx(_ c: (String, String, UInt16, String, String, String?)) throws {
        let url = try DynamicProxyURL.parse(Array(c.0.utf8)).get()
        #expect(String(decoding: url.host, as: UTF8.self) == c.1)
        #expect(url.port == c.2)
        #expect(String(decoding: url.hostHeader, as: UTF8.self) == c.3)
        #expect(String(decoding: url.portText, as: UTF8.self) == c.4)
        #expect(url.uri.map { String(decoding: $0, as: UTF8.self) } == c.5)
        #expect(url.secure == c.0.lowercased().hasPrefix("https://"))
    }

    static let invalid: [(String, String)] = [
        ("127.0.0.1:8081", "invalid URL prefix in \"127.0.0.1:8081\""),
        ("ftp://x", "invalid URL prefix in \"ftp://x\""),
        ("http://", "no host in upstream \"\""),
        ("http:///path", "no host in upstream \"/path\""),
        ("http://a:0", "invalid port in upstream \"a:0\""),
        ("http://a:70000", "invalid port in upstream \"a:70000\""),
        ("http://a:x/", "invalid port in upstream \"a:x/\""),
        ("https://", "no host in upstream \"\""),
        ("https://a:0", "invalid port in upstream \"a:0\""),
        ("http://unix:", "no path in the unix domain socket \"unix:\""),
        ("http://unix::/x", "no path in the unix domain socket \"unix::/x\""),
        ("http://unix:/\(String(repeating: "s", count: 107))", "too long path in the unix domain socket \"unix:/\(String(repeating: "s", count: 107))\""),
    ]

    @Test(arguments: invalid)
    func rejectsWhatNginxRejects(_ c: (String, String)) {
        guard case .failure(let e) = DynamicProxyURL.parse(Array(c.0.utf8)) else {
            Issue.record("\(c.0) parsed"); return
        }
        #expect(e.message == c.1)
    }

    static let groups = ProxyGroups(
        upstreams: [Array("pool_a".utf8): 0, Array("pool_b".utf8): 1],
        implicit: [ProxyGroups.HostPort(host: Array("app.internal".utf8), port: 8080): SocketAddress(family: .v4, bytes: [10, 1, 2, 3], port: 8080),
                   ProxyGroups.HostPort(host: Array("app.internal".utf8), port: 80): SocketAddress(family: .v4, bytes: [10, 1, 2, 4], port: 80)])

    static let destinations: [(String, DynamicProxyURL.Destination)] = [
        ("http://pool_a", .upstream(0)),
        ("http://POOL_B/x", .upstream(1)),
        // With a port the host no longer names an upstream block (nginx compares the port too).
        ("http://pool_a:8080", .needsResolver),
        ("http://backend.example", .needsResolver),
        // A host and port another proxy_pass (without variables) names: resolved at load, as nginx's implicit group.
        ("http://App.Internal:8080/x", .address(SocketAddress(family: .v4, bytes: [10, 1, 2, 3], port: 8080))),
        ("http://app.internal", .address(SocketAddress(family: .v4, bytes: [10, 1, 2, 4], port: 80))),
        ("http://app.internal:9090", .needsResolver),
        ("http://127.0.0.1:8081", .address(SocketAddress(family: .v4, bytes: [127, 0, 0, 1], port: 8081))),
        ("http://127.0.0.1", .address(SocketAddress(family: .v4, bytes: [127, 0, 0, 1], port: 80))),
        ("http://[::1]:9", .address(SocketAddress(family: .v6, bytes: Array(repeating: 0, count: 15) + [1], port: 9))),
        ("http://unix:/run/pool_a.sock:/", .address(SocketAddress(unixPath: "/run/pool_a.sock"))),
    ]

    @Test(arguments: destinations)
    func findsTheDestination(_ c: (String, DynamicProxyURL.Destination)) throws {
        let url = try DynamicProxyURL.parse(Array(c.0.utf8)).get()
        #expect(url.destination(Self.groups) == c.1)
    }
}
