@testable import Config
import Testing

/// ngx_http_slice_filter_module's `slice`: a size, 0 (off) by default, inherited; nginx's contexts and wording.
struct SliceDirectiveTests {
    @Test func sizesAndInheritance() throws {
        let config = try load(http("""
            slice 1m;
            server { listen 80;
                     location / { }
                     location /small { slice 64k; }
                     location /off { slice 0; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.content.sliceSize == 1 << 20)
        #expect(locs[1].settings.content.sliceSize == 64 << 10)
        #expect(locs[2].settings.content.sliceSize == 0)
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(plain.http!.servers[0].locations[0].settings.content.sliceSize == 0)
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("slice 1x;")) == "\"slice\" directive invalid value in /c/nginx.conf:3")
        #expect(loadError(http("slice;")) == "invalid number of arguments in \"slice\" directive in /c/nginx.conf:3")
        #expect(loadError(http("slice 1m; slice 2m;")) == "\"slice\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("server { listen 80; location / { if ($args) { slice 1m; } } }"))
                == "\"slice\" directive is not allowed here in /c/nginx.conf:3")
    }
}
