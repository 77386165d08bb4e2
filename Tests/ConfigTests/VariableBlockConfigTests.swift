@testable import Config
import Testing

/// `split_clients` and `geo` as the configuration reads them.
@Suite struct VariableBlockConfigTests {
    @Test func splitClientsBoundsAreCumulative() throws {
        let config = try load(http("""
            split_clients "$remote_addr" $variant { 51.2% .one; 10% .two; * .three; }
            """))
        let parts = config.http!.splitClients[0].parts
        #expect(config.http!.splitClients[0].variable == "variant")
        #expect(parts.map(\.value) == [Array(".one".utf8), Array(".two".utf8), Array(".three".utf8)])
        #expect(parts[0].below == UInt32(UInt64(5120) * 0xffff_ffff / 10000))
        #expect(parts[1].below == UInt32(UInt64(5120) * 0xffff_ffff / 10000 + UInt64(1000) * 0xffff_ffff / 10000))
        #expect(parts[2].below == nil)
    }

    @Test func splitClientsErrors() {
        #expect(loadError(http("split_clients $a $b { 60% x; 50% y; }"))
            == "percent total is greater than 100% in /c/nginx.conf:3")
        #expect(loadError(http("split_clients $a $b { 5 x; }")) == "invalid percent value \"5\" in /c/nginx.conf:3")
        #expect(loadError(http("split_clients $a $b { 1.234% x; }")) == "invalid percent value \"1.234%\" in /c/nginx.conf:3")
        #expect(loadError(http("split_clients $a b { * x; }")) == "invalid variable name \"b\" in /c/nginx.conf:3")
        #expect(SplitClientsDraft.percent("0.5%") == 50)
        #expect(SplitClientsDraft.percent("100%") == 10000)
    }

    /// Ranges: a later range overwrites what it overlaps, `delete` cuts, lookups find the holder (nginx's geo.t cases).
    @Test func geoRangesOverwriteAndDelete() {
        var r: [GeoRange] = []
        GeoRange.overwrite(&r, first: 0, last: 255, value: Array("test".utf8))
        GeoRange.overwrite(&r, first: 1, last: 2, value: Array("test2".utf8))
        GeoRange.overwrite(&r, first: 1, last: 1, value: Array("loop".utf8))
        #expect(r.map { [$0.first, $0.last] } == [[0, 0], [1, 1], [2, 2], [3, 255]])
        #expect(GeoRange.find(r, 1)?.value == Array("loop".utf8))
        #expect(GeoRange.find(r, 2)?.value == Array("test2".utf8))
        #expect(GeoRange.find(r, 200)?.value == Array("test".utf8))
        #expect(GeoRange.find(r, 256) == nil)
        GeoRange.overwrite(&r, first: 0, last: 255, value: nil)
        #expect(r.isEmpty)
    }

    /// Overwriting only the ranges a new one overlaps gives what a per-address model gives: random ranges and
    /// deletes over a small space, checked address by address, the list sorted, disjoint and nothing empty in it.
    @Test func geoRangesOverwriteAgreesWithAPerAddressModel() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var ranges: [GeoRange] = []
            var model = [[UInt8]?](repeating: nil, count: 64)
            for step in 0..<40 {
                let a = UInt32.random(in: 0..<64, using: &rng), b = UInt32.random(in: 0..<64, using: &rng)
                let value: [UInt8]? = Int.random(in: 0..<4, using: &rng) == 0 ? nil : [UInt8(step)]
                GeoRange.overwrite(&ranges, first: min(a, b), last: max(a, b), value: value)
                for i in min(a, b)...max(a, b) { model[Int(i)] = value }
            }
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.last < $1.first } && ranges.allSatisfy { $0.first <= $0.last })
            #expect((0..<64).map { GeoRange.find(ranges, UInt32($0))?.value } == model)
        }
        // The ends of the address space.
        var r: [GeoRange] = []
        GeoRange.overwrite(&r, first: 0, last: .max, value: [1])
        GeoRange.overwrite(&r, first: 0, last: 0, value: [2])
        GeoRange.overwrite(&r, first: .max, last: .max, value: [3])
        #expect(r.map { [$0.first, $0.last] } == [[0, 0], [1, .max - 1], [.max, .max]])
    }

    @Test func geoBlocks() throws {
        var diagnostics: [ConfigDiagnostic] = []
        let config = try load(http("""
            geo $g { default d; 127.0.0.0/8 lo; 192.0.2.0/24 test; 10.0.0.0/8 x; 10.0.0.0/8 y; delete 192.0.2.0/24;
                     proxy 127.0.0.1; proxy_recursive; 2001:db8::/32 six; }
            geo $arg_ip $r { ranges; default d; 10.10.3.0-10.11.2.255 foo; }
            """), diagnostics: &diagnostics)
        let g = config.http!.geos[0]
        #expect(g.source == nil && g.variable == "g" && g.defaultValue == Array("d".utf8))
        #expect(g.networks.count == 3)
        #expect(g.networks[CIDR(address: [10, 0, 0, 0], prefixLength: 8)] == Array("y".utf8))
        #expect(g.proxies == [CIDR(address: [127, 0, 0, 1], prefixLength: 32)] && g.proxyRecursive)
        #expect(diagnostics.map(\.description) == [
            "[warn] duplicate network \"10.0.0.0/8\", value: \"y\", old value: \"x\" in /c/nginx.conf:3"])
        let r = config.http!.geos[1]
        #expect(r.source != nil && r.ranges == [GeoRange(first: 0x0a0a_0300, last: 0x0a0b_02ff, value: Array("foo".utf8))])
        #expect(loadError(http("geo $g { ranges; 1.2.3.4 x; }")) == "invalid range \"1.2.3.4\" in /c/nginx.conf:3")
        #expect(loadError(http("geo $g { 1.2.3.4-1.2.3.5 x; }")) == "invalid network \"1.2.3.4-1.2.3.5\" in /c/nginx.conf:3")
        #expect(loadError(http("geo $g { a b c; }")) == "invalid number of the geo parameters in /c/nginx.conf:3")
    }
}
