import Config
import EventLoop
@testable import Proxy
import Testing

/// The worker's resolved names: lifetimes by TTL or valid=, round robin turns, bounded size.
struct ResolverCacheTests {
    private let s: UInt64 = 1_000_000_000
    private let name = Array("app.test".utf8)

    @Test func answersLiveForTheirTTL() {
        var c = ResolverCache()
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 5, validSeconds: nil, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 5 * s - 1)?.answer == .addresses([[1, 2, 3, 4]]))
        #expect(c.lookup(name, now: 5 * s) == nil)
        #expect(c.count == 0)
    }

    @Test func validOverridesTheTTL() {
        var c = ResolverCache()
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 3600, validSeconds: 30, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 29 * s) != nil)
        #expect(c.lookup(name, now: 30 * s) == nil)
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 0, validSeconds: 30, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 10 * s) != nil)
    }

    @Test func aZeroTTLIsNotKept() {
        var c = ResolverCache()
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 0, validSeconds: nil, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 0) == nil)
    }

    @Test func eachLookupTakesTheNextTurnAfterTheWaiters() {
        var c = ResolverCache()
        c.store(name, [[1, 1, 1, 1], [2, 2, 2, 2]], ttlSeconds: 60, validSeconds: nil, now: 0, waiters: 3)
        #expect(c.lookup(name, now: 1)?.turn == 3)
        #expect(c.lookup(name, now: 1)?.turn == 4)
    }

    @Test func aFullCacheDropsExpiredThenTheSoonest() {
        var c = ResolverCache(capacity: 2)
        c.store(Array("a".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 1, now: 0, waiters: 0)
        c.store(Array("b".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 100, now: 0, waiters: 0)
        c.store(Array("c".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 50, now: 2 * s, waiters: 0)   // drops expired a
        #expect(c.count == 2)
        c.store(Array("d".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 50, now: 3 * s, waiters: 0)   // drops c (soonest)
        #expect(c.lookup(Array("b".utf8), now: 3 * s) != nil)
        #expect(c.lookup(Array("c".utf8), now: 3 * s) == nil)
        #expect(c.lookup(Array("d".utf8), now: 3 * s) != nil)
    }
}

/// `resolver` at load: names of name servers resolve now, where or whether any proxy_pass asks them.
struct ResolverLoadTests {
    private func load(_ http: String) throws -> Configuration {
        let text = "events {} http { \(http) }"
        return try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                source: InMemoryConfigSource(["/c/nginx.conf": text])).load(file: "/c/nginx.conf")
    }

    private func build(_ http: String) throws -> Runtime {
        try RuntimeBuilder.build(try load(http), prefix: "/tmp", generation: 1, previous: nil, openFiles: false)
    }

    @Test func aServerNameThatDoesNotResolveIsEmergEvenUnused() {
        #expect(throws: ConfigError.self) {
            try build("resolver ns.invalid; server { listen 127.0.0.1:1; location / { return 200; } }")
        }
        do {
            _ = try build("server { listen 127.0.0.1:1; location / { resolver ns.invalid:54; proxy_pass http://$host; } }")
            Issue.record("loaded")
        } catch let error as ConfigError {
            #expect(error.description == "host not found in resolver \"ns.invalid:54\" in /c/nginx.conf:1")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func locationsWithOneSettingShareOneResolver() throws {
        let config = try load("""
            resolver 127.0.0.1 [::1]:5353 valid=5s; resolver_timeout 2s;
            server { listen 127.0.0.1:1; location /a { proxy_pass http://$host; } location /b { resolver_timeout 2s; } }
            """)
        var b = Builder(config: config, prefix: "/tmp", previous: nil)
        let locations = config.http!.servers[0].locations
        let a = try #require(try b.resolverRuntime(locations[0].settings.resolver))
        let other = try #require(try b.resolverRuntime(locations[1].settings.resolver))
        #expect(a === other)
        #expect(a.servers.map(\.description) == ["127.0.0.1:53", "[::1]:5353"])
        #expect(a.timeoutMillis == 2000 && a.validSeconds == 5 && a.ipv4 && a.ipv6)
    }
}
