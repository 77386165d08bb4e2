@testable import Config
import Testing

/// ngx_http_sub_module's directives: defaults, nginx's inheritance (a level with its own `sub_filter` lines drops
/// the inherited ones), contexts and wording.
struct SubFilterDirectivesTests {
    @Test func defaultsAndInheritance() throws {
        let config = try load(http("""
            sub_filter_types text/plain;
            sub_filter a b;
            sub_filter c $host;
            server { listen 80; sub_filter_once off;
                     location / { }
                     location /own { sub_filter x y; sub_filter_last_modified on; sub_filter_types *; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.subFilter.pairs.map(\.match.source) == ["a", "c"])
        #expect(locs[0].settings.subFilter.pairs.map(\.replacement.source) == ["b", "$host"])
        #expect(locs[0].settings.subFilter.types == ["text/plain", "text/html"])
        #expect(!locs[0].settings.subFilter.once)
        #expect(!locs[0].settings.subFilter.lastModified)
        #expect(locs[1].settings.subFilter.pairs.map(\.match.source) == ["x"])
        #expect(locs[1].settings.subFilter.lastModified)
        #expect(locs[1].settings.subFilter.types.contains("*"))
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(plain.http!.servers[0].locations[0].settings.subFilter.pairs.isEmpty)
        #expect(plain.http!.servers[0].locations[0].settings.subFilter.once)
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("sub_filter \"\" x;")) == "empty search pattern in /c/nginx.conf:3")
        #expect(loadError(http("sub_filter_types;")) == "invalid number of arguments in \"sub_filter_types\" directive in /c/nginx.conf:3")
        #expect(loadError(http("sub_filter_last_modified 1;"))
                == "invalid value \"1\" in \"sub_filter_last_modified\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3")
        #expect(loadError(http("server { listen 80; location / { if ($args) { sub_filter_once off; } } }"))
                == "\"sub_filter_once\" directive is not allowed here in /c/nginx.conf:3")
    }
}
