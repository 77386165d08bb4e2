import Glibc
import SwitchyardTestSupport
import Testing

/// `listen`'s socket parameters reach the sockets the server accepts on: with `so_keepalive=on` an accepted
/// client connection has the kernel's keepalive timer (`tr` 2 in /proc/net/tcp), without it none.
@Suite struct ListenSocketTests {
    @Test func soKeepaliveReachesAcceptedConnections() throws {
        let plain = freePort()
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT so_keepalive=on rcvbuf=64k deferred; return 200 "ok"; }
            server { listen 127.0.0.1:\(plain); return 200 "ok"; }
            """)
        defer { f.proxy.stop() }
        let kept = try f.client(), other = try TestClient(port: plain)
        for c in [kept, other] {
            try c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")   // (deferred: accepted once data came)
            #expect(try c.readResponse().text == "ok")
        }
        #expect(try Self.acceptedTimers(onPort: f.port) == ["02"])
        #expect(try Self.acceptedTimers(onPort: plain) == ["00"])
    }

    /// The active timer of each established connection whose local end is 127.0.0.1:`port` (the server's side).
    static func acceptedTimers(onPort port: UInt16) throws -> [String] {
        try TCPTable.established().filter { $0.local == TCPTable.loopback(port) }.map(\.timer)
    }
}
