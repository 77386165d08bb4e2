@testable import Config
import Testing

/// ngx_http_ssi_module's directives: defaults, merging, contexts (`ssi` in `if` in a location only) and
/// nginx 1.22.1's error wording.
struct SSIDirectivesTests {
    @Test func defaultsAndMerging() throws {
        let config = try load(http("""
            ssi_types text/plain;
            server { listen 80; ssi on; location / { ssi_silent_errors on; ssi_value_length 1024; }
                     location /off { ssi off; ssi_last_modified on; ssi_min_file_chunk 4k; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.ssi.enabled)
        #expect(locs[0].settings.ssi.types == ["text/plain", "text/html"])
        #expect(locs[0].settings.ssi.silentErrors)
        #expect(locs[0].settings.ssi.valueLength == 1024)
        #expect(!locs[0].settings.ssi.lastModified)
        #expect(locs[0].settings.ssi.minFileChunk == 1024)
        #expect(!locs[1].settings.ssi.enabled)
        #expect(locs[1].settings.ssi.lastModified)
        #expect(locs[1].settings.ssi.minFileChunk == 4096)
        #expect(locs[1].settings.ssi.valueLength == 256)
        _ = try load(http("server { listen 80; location / { if ($args) { ssi on; } } }"))
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("ssi maybe;")) == "invalid value \"maybe\" in \"ssi\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3")
        #expect(loadError(http("ssi_silent_errors 1;")) == "invalid value \"1\" in \"ssi_silent_errors\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3")
        #expect(loadError(http("ssi_value_length x;")) == "\"ssi_value_length\" directive invalid value in /c/nginx.conf:3")
        #expect(loadError(http("ssi_min_file_chunk x;")) == "\"ssi_min_file_chunk\" directive invalid value in /c/nginx.conf:3")
        #expect(loadError(http("ssi_types;")) == "invalid number of arguments in \"ssi_types\" directive in /c/nginx.conf:3")
        #expect(loadError(http("server { listen 80; if ($args) { ssi on; } }")) == "\"ssi\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("server { listen 80; location / { if ($args) { ssi_types text/x; } } }")) == "\"ssi_types\" directive is not allowed here in /c/nginx.conf:3")
    }
}
