@testable import Config
import Testing

/// Shared memory zones as nginx sizes and names them: keys zones of at least two pages, upstream zones of at least
/// eight, one namespace for every module, and no zone left without a size.
struct SharedZoneTests {
    @Test(arguments: CacheModule.allCases)
    func keysZoneTooSmall(_ module: CacheModule) {
        #expect(loadError(http("\(module.prefix)_cache_path cache keys_zone=c:1k;"))
            == "keys zone \"keys_zone=c:1k\" is too small in /c/nginx.conf:3")
        #expect(loadError(http("\(module.prefix)_cache_path cache keys_zone=c:0;"))
            == "keys zone \"keys_zone=c:0\" is too small in /c/nginx.conf:3")
        #expect(loadError(http("\(module.prefix)_cache_path cache keys_zone=c:12k;")) == "loaded")
    }

    @Test func keysZoneWithoutAName() {
        #expect(loadError(http("proxy_cache_path cache keys_zone=:1m;"))
            == "\"proxy_cache_path\" must have \"keys_zone\" parameter in /c/nginx.conf:3")
    }

    @Test func upstreamZoneTooSmall() {
        #expect(loadError(http("upstream u {\nzone u 1k; server 127.0.0.1:81; }")) == "zone \"u\" is too small in /c/nginx.conf:4")
        #expect(loadError(http("upstream u {\nzone u 0; server 127.0.0.1:81; }")) == "zone \"u\" is too small in /c/nginx.conf:4")
        #expect(loadError(http("upstream u { zone u 32k; server 127.0.0.1:81; }")) == "loaded")
    }

    @Test func upstreamZoneWithoutAName() {
        #expect(loadError(http("upstream u {\nzone \"\" 64k; server 127.0.0.1:81; }")) == "invalid zone name \"\" in /c/nginx.conf:4")
    }

    /// An upstream may name a zone another one sizes; if none does, nginx says so once everything is read, without a
    /// place.
    @Test func upstreamZoneSizedNowhere() {
        #expect(loadError(http("upstream u { zone z; server 127.0.0.1:81; }")) == "zero size shared memory zone \"z\"")
        #expect(loadError(http("upstream u { zone z; server 127.0.0.1:81; }\nupstream v { zone z 64k; server 127.0.0.1:82; }"))
            == "loaded")
    }

    @Test func upstreamZoneSizesConflict() {
        #expect(loadError(http("upstream u { zone z 64k; server 127.0.0.1:81; }\nupstream v { zone z 128k; server 127.0.0.1:82; }"))
            == "the size 131072 of shared memory zone \"z\" conflicts with already declared size 65536 in /c/nginx.conf:4")
    }

    @Test func upstreamZoneNameTakenByAnotherModule() {
        let message = "the shared memory zone \"z\" is already declared for a different use in /c/nginx.conf:4"
        #expect(loadError(http("upstream u { zone z 64k; server 127.0.0.1:81; }\nproxy_cache_path cache keys_zone=z:1m;")) == message)
        #expect(loadError(http("limit_conn_zone $binary_remote_addr zone=z:1m;\nupstream u { zone z 64k; server 127.0.0.1:81; }"))
            == message)
    }
}
