@testable import Config
import Testing

/// `proxy_store` (on, off, a path with variables; inherited) and `proxy_store_access` (nginx's access slot).
struct ProxyStoreDirectiveTests {
    @Test func storeValuesAndInheritance() throws {
        let config = try load(http("""
            proxy_store on;
            server { listen 80;
                     location / { }
                     location /path { proxy_store /data$uri; proxy_store_access group:rw all:r; }
                     location /off { proxy_store off; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.proxy.store == .mappedURI)
        #expect(locs[0].settings.proxy.storeAccess == 0o600)
        #expect(locs[1].settings.proxy.store == .path(try Template("/data$uri")))
        #expect(locs[1].settings.proxy.storeAccess == 0o664)   // the owner's rw comes with any group: or all:
        #expect(locs[2].settings.proxy.store == .off)
        // A storing level's proxy_temp_path is made at load, as a caching one's.
        #expect(config.http!.tempPaths.contains(locs[0].settings.proxy.tempPath))
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(plain.http!.servers[0].locations[0].settings.proxy.store == .off)
        #expect(!plain.http!.tempPaths.contains(plain.http!.settings.proxy.tempPath))
    }

    @Test func storeErrorsAsNginxWordsThem() {
        #expect(loadError(http("proxy_store on; proxy_store off;")) == "\"proxy_store\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("proxy_store_access user:rwx;")) == "invalid value \"user:rwx\" in /c/nginx.conf:3")
        #expect(loadError(http("proxy_cache_path /tmp/c keys_zone=z:1m; proxy_cache z; proxy_store on;"))
                == "\"proxy_store\" directive is incompatible with \"proxy_cache\" in /c/nginx.conf:3")
        #expect(loadError(http("proxy_cache_path /tmp/c keys_zone=z:1m; proxy_store on; proxy_cache z;"))
                == "\"proxy_cache\" directive is incompatible with \"proxy_store\" in /c/nginx.conf:3")
    }
}
