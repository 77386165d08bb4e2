@testable import Config
import Testing

/// The cache's directives per module prefix: one settings type, nginx's merge and per-module zones.
struct UpstreamCacheConfigTests {
    @Test func eachModuleFillsItsOwnCache() throws {
        let config = try load(http("""
            proxy_cache_path /p/a keys_zone=pz:1m;
            fastcgi_cache_path /p/b levels=1:2 keys_zone=fz:1m inactive=1h;
            uwsgi_cache_path /p/c keys_zone=uz:1m;
            scgi_cache_path /p/d keys_zone=sz:1m use_temp_path=off;
            fastcgi_cache_key "$scheme$request_method$host$request_uri";
            fastcgi_cache_valid 200 301 302 1h;
            server {
                fastcgi_cache fz;
                location / {
                    fastcgi_cache_use_stale error updating;
                    fastcgi_cache_bypass $cookie_a; fastcgi_no_cache $cookie_a;
                    fastcgi_cache_methods POST;
                    fastcgi_cache_lock on; fastcgi_cache_lock_timeout 2s;
                    fastcgi_cache_background_update on; fastcgi_cache_revalidate on;
                    fastcgi_cache_min_uses 2; fastcgi_cache_max_range_offset 1m;
                    uwsgi_cache uz; uwsgi_cache_key $uri;
                    scgi_cache off;
                }
            }
            """))
        #expect(config.http!.cachePaths.map(\.module) == [.proxy, .fastcgi, .uwsgi, .scgi])
        #expect(config.http!.cachePaths[1].levels == [1, 2] && config.http!.cachePaths[1].inactive == .seconds(3600))
        let s = firstLocation(config).settings
        let f = s.fastcgi.family.cache
        #expect(f.zone == "fz" && f.$key.isSet && f.key.source == "$scheme$request_method$host$request_uri")
        #expect(f.valid == [CacheValid(codes: .list([200, 301, 302]), time: .seconds(3600))])
        #expect(f.useStale == ["error", "updating"] && f.bypass.count == 1 && f.noCache.count == 1)
        #expect(f.methods == ["GET", "HEAD", "POST"] && f.lock && f.lockTimeout == .seconds(2))
        #expect(f.backgroundUpdate && f.revalidate && f.minUses == 2 && f.maxRangeOffset == 1 << 20)
        #expect(s.uwsgi.family.cache.zone == "uz" && s.scgi.cache.zone == nil)
        #expect(s.proxy.cache.zone == nil)   // another module's settings stay apart
    }

    /// A CGI module's cache without its key loads with nginx's `[warn]` (every response is then keyed alike).
    @Test func aMissingCGIKeyIsAWarning() throws {
        for cache in ["fz", "$zone"] {
            var diagnostics: [ConfigDiagnostic] = []
            _ = try load(http("""
                fastcgi_cache_path /p/b keys_zone=fz:1m;
                server { location / { fastcgi_cache \(cache); } }
                """), diagnostics: &diagnostics)
            #expect(diagnostics.map(\.description).contains { $0.contains("[warn] no \"fastcgi_cache_key\" for \"fastcgi_cache\"") })
        }
    }

    @Test func nginxsMessages() {
        #expect(loadError(http("""
            proxy_cache_path /p/a keys_zone=z:1m;
            server { location / { uwsgi_cache z; uwsgi_cache_key $uri; } }
            """)).contains("the shared memory zone \"z\" is already declared for a different use"))
        #expect(loadError(http("""
            scgi_cache_path /p/a keys_zone=z:1m;
            limit_req_zone $binary_remote_addr zone=z:1m rate=1r/s;
            """)).contains("the shared memory zone \"z\" is already declared for a different use"))
        #expect(loadError(http("""
            scgi_cache_path /p/a keys_zone=z:1m;
            scgi_cache_path /p/b keys_zone=z:1m;
            """)).contains("duplicate zone \"z\""))
        #expect(loadError(http("server { location / { scgi_cache_valid 200 soon; } }"))
            .contains("invalid time value \"soon\""))
        // A zone chosen per request needs no declaration.
        #expect(loadError(http("server { location / { proxy_cache $zone; } }")) == "loaded")
    }
}
