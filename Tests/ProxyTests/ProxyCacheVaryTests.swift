import Synchronization
import SwitchyardTestSupport
import Testing

/// `Vary` in proxy_cache end to end: one entry per variant (nginx's main and secondary keys), replaced when the
/// upstream's Vary changes, found again after a restart.
@Suite(.serialized) struct ProxyCacheVaryTests {
    @Test func eachVariantIsKeptBesideTheOthers() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Vary", "Accept-Encoding")], text: "for \(req.header("Accept-Encoding") ?? "-")")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        func get(_ ae: String) throws -> (String?, String) {
            let r = try f.get("/p", headers: ["Accept-Encoding": ae])
            return (r.header("X-Cache"), r.text)
        }
        #expect(try get("gzip") == ("MISS", "for gzip"))
        #expect(try get("gzip") == ("HIT", "for gzip"))
        #expect(try get("deflate") == ("MISS", "for deflate"))
        #expect(try get("deflate") == ("HIT", "for deflate"))
        #expect(try get("gzip") == ("HIT", "for gzip"))
        #expect(try get("deflate, br") == ("MISS", "for deflate, br"))
        #expect(try get("deflate,br") == ("HIT", "for deflate, br"))   // the same list, spaced otherwise
        #expect(backend.requests == 3)
        #expect(ProxyCacheTests.entries(dir, count: 3).count == 3)
    }

    /// nginx's proxy_cache_vary.t "change" and "cold": a response that varies on other fields than the main entry
    /// replaces it; the variants stored after it are found again by a restarted proxy.
    @Test func aChangedVaryReplacesTheMainEntryAndVariantsSurviveARestart() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Vary", req.header("X-Vary") ?? "")], text: "x=\(req.header("X") ?? "-")")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        func get(_ f: Fixture, _ headers: [String: String]) throws -> (String?, String) {
            let r = try f.get("/cold", headers: headers)
            return (r.header("X-Cache"), r.text)
        }
        let first = try ProxyCacheTests.fixture(backend, dir: dir)
        #expect(try get(first, ["X-Vary": "Z", "Z": "1"]) == ("MISS", "x=-"))
        #expect(try get(first, ["X-Vary": "X, Y", "X": "1"]) == ("MISS", "x=1"))
        #expect(try get(first, ["X": "1"]) == ("HIT", "x=1"))
        #expect(try get(first, ["X-Vary": "X, Y", "X": "2"]) == ("MISS", "x=2"))
        #expect(try get(first, ["X": "2"]) == ("HIT", "x=2"))
        first.proxy.stop()
        let second = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { second.proxy.stop() }
        #expect(try get(second, ["X": "1"]) == ("HIT", "x=1"))
        #expect(try get(second, ["X": "2"]) == ("HIT", "x=2"))
        #expect(backend.requests == 3)
    }

    /// RFC 9111 §4.4 with variants: a POST's answer drops the entry under the key, and the variants stored beside
    /// it are not served after it either.
    @Test func anInvalidationDropsEveryVariant() throws {
        let version = Atomic<Int>(1)
        let backend = try MockBackend(name: "b1") { req in
            if req.method == "POST" {
                version.add(1, ordering: .relaxed)
                return MockResponse(text: "done")
            }
            return MockResponse(headers: [("Vary", "Accept-Encoding")],
                                text: "v\(version.load(ordering: .relaxed)) \(req.header("Accept-Encoding") ?? "-")")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        func get(_ ae: String) throws -> (String?, String) {
            let r = try f.get("/doc", headers: ["Accept-Encoding": ae])
            return (r.header("X-Cache"), r.text)
        }
        #expect(try get("gzip") == ("MISS", "v1 gzip"))
        #expect(try get("deflate") == ("MISS", "v1 deflate"))
        _ = ProxyCacheTests.entries(dir, count: 2)
        #expect(try get("deflate") == ("HIT", "v1 deflate"))
        let answer = try f.raw("POST /doc HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        #expect(try get("gzip") == ("MISS", "v2 gzip"))
        #expect(try get("deflate") == ("MISS", "v2 deflate"))
        #expect(try get("deflate") == ("HIT", "v2 deflate"))
    }

    /// A response without Vary, fetched for one variant, becomes the entry every request gets.
    @Test func aResponseThatStopsVaryingServesEveryone() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: req.header("X-Vary").map { [("Vary", $0)] } ?? [],
                         text: "for \(req.header("Accept-Encoding") ?? "-")")
        }
        defer { backend.stop() }
        let f = try ProxyCacheTests.fixture(backend, dir: try TempDir.make())
        defer { f.proxy.stop() }
        func get(_ headers: [String: String]) throws -> (String?, String) {
            let r = try f.get("/r", headers: headers)
            return (r.header("X-Cache"), r.text)
        }
        #expect(try get(["Accept-Encoding": "gzip", "X-Vary": "Accept-Encoding"]) == ("MISS", "for gzip"))
        #expect(try get(["Accept-Encoding": "deflate"]) == ("MISS", "for deflate"))   // answered without Vary
        #expect(try get(["Accept-Encoding": "gzip"]) == ("HIT", "for deflate"))
        #expect(try get(["Accept-Encoding": "br"]) == ("HIT", "for deflate"))
        #expect(backend.requests == 2)
    }
}
