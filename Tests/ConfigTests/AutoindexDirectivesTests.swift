@testable import Config
import Testing

/// ngx_http_autoindex_module's, ngx_http_empty_gif_module's and ngx_http_flv_module's directives: defaults,
/// merging http → server → location, contexts, and nginx 1.22.1's error wording.
struct AutoindexDirectivesTests {
    @Test func defaultsAndMerging() throws {
        let config = try load(http("""
            autoindex_format json;
            server { listen 80; autoindex on;
                     location / { }
                     location /x/ { autoindex off; autoindex_format XML; autoindex_localtime on; autoindex_exact_size off; }
                     location /gif { empty_gif; }
                     location /v { flv; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.files.autoindex)
        #expect(locs[0].settings.files.autoindexFormat == .json)
        #expect(!locs[0].settings.files.autoindexLocaltime)
        #expect(locs[0].settings.files.autoindexExactSize)
        #expect(!locs[1].settings.files.autoindex)
        #expect(locs[1].settings.files.autoindexFormat == .xml)   // nginx's enum slot ignores case
        #expect(locs[1].settings.files.autoindexLocaltime)
        #expect(!locs[1].settings.files.autoindexExactSize)
        #expect(locs[2].handler == .emptyGIF)
        #expect(locs[3].handler == .flv)
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(!firstLocation(plain).settings.files.autoindex)
        #expect(firstLocation(plain).settings.files.autoindexFormat == .html)
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("autoindex_format foo;")) == "invalid value \"foo\" in /c/nginx.conf:3")
        #expect(loadError(http("autoindex yes;")) == "invalid value \"yes\" in \"autoindex\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3")
        #expect(loadError(http("autoindex on; autoindex off;")) == "\"autoindex\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("autoindex_format xml; autoindex_format json;")) == "\"autoindex_format\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("autoindex_localtime;")) == "invalid number of arguments in \"autoindex_localtime\" directive in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { if ($args) { autoindex on; } } }")) == "\"autoindex\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { empty_gif x; } }")) == "invalid number of arguments in \"empty_gif\" directive in /c/nginx.conf:3")
        #expect(loadError(http("server { empty_gif; }")) == "\"empty_gif\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { if ($args) { empty_gif; } } }")) == "\"empty_gif\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { flv on; } }")) == "invalid number of arguments in \"flv\" directive in /c/nginx.conf:3")
        #expect(loadError(http("server { flv; }")) == "\"flv\" directive is not allowed here in /c/nginx.conf:3")
    }
}
