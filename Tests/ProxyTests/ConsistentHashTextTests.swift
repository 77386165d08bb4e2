import Balancing
@testable import Proxy
import Testing

/// `hash … consistent` places a server's points by its `server` text as written, as nginx's
/// ngx_http_upstream_init_chash does (`crc32(HOST "\0" PORT …)` of the line's text). The ring took the
/// resolved `ip:port`, so any server written otherwise (a host name, its case, a port with a leading zero,
/// `10.0.0.1` with no port, which nginx hashes with an empty port) had its keys on other servers than under
/// nginx: most sticky keys and cache shards moved once at a migration (the balancer audit measured 125 of 200).
@Suite struct ConsistentHashTextTests {
    @Test func pointsArePlacedByTheServerTextAsWritten() throws {
        let runtime = try ReloadBalancerTests.runtime(
            "hash $arg_k consistent; server 127.0.0.1:09 weight=2; server 127.0.0.1:010;", generation: 1)
        let peers = runtime.upstreams[0].servers.current.list.servers.map(\.config)
        #expect(peers.map(\.address) == ["127.0.0.1:9", "127.0.0.1:10"])
        #expect(peers.map(\.serverName) == ["127.0.0.1:09", "127.0.0.1:010"])
        // The points are the written text's: the first server's base is crc32("127.0.0.1" "\0" "09").
        let ring = KetamaRing(peers: peers)
        let base = CRC32.update(CRC32.update(CRC32.update(CRC32.initial, Array("127.0.0.1".utf8)), [0]), Array("09".utf8))
        let first = CRC32.finish(CRC32.update(base, [0, 0, 0, 0]))
        #expect(ring.hashes.contains(first))
    }
}
