@testable import Config
import Testing

/// ngx_http_dav_module's directives: defaults, merging http → server → location, the bitmask's accumulation,
/// `dav_access`'s modes, contexts, and nginx's error wording.
struct DAVDirectivesTests {
    @Test func defaultsAndMerging() throws {
        let config = try load(http("""
            dav_methods PUT DELETE;
            dav_access group:rw;
            server { listen 80; min_delete_depth 2;
                     location / { }
                     location /m/ { dav_methods MKCOL; dav_methods copy move; create_full_put_path on; }
                     location /off/ { dav_methods off; dav_access user:r group:r all:r; min_delete_depth 0; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.dav.methods == [.put, .delete])
        #expect(locs[0].settings.dav.access == 0o660)   // the owner keeps rw when no user: word is given
        #expect(locs[0].settings.dav.minDeleteDepth == 2)
        #expect(!locs[0].settings.dav.createFullPutPath)
        // A second dav_methods at one level adds to the first; a level's own list replaces the inherited one.
        #expect(locs[1].settings.dav.methods == [.mkcol, .copy, .move])
        #expect(locs[1].settings.dav.createFullPutPath)
        // `off` is a word of its own: the level has methods set, so it inherits none.
        #expect(locs[2].settings.dav.methods == [.off])
        #expect(locs[2].settings.dav.access == 0o444)
        #expect(locs[2].settings.dav.minDeleteDepth == 0)
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(firstLocation(plain).settings.dav.methods.isEmpty)
        #expect(firstLocation(plain).settings.dav.access == 0o600)
    }

    @Test func accessWordsAsNginxReadsThem() throws {
        #expect(try DAVAccess.parse(["user:rw", "group:r", "all:r"]).get() == 0o644)
        #expect(try DAVAccess.parse(["user:r"]).get() == 0o400)
        #expect(try DAVAccess.parse(["all:rw"]).get() == 0o606)
        #expect(try DAVAccess.parse(["group:rw", "all:rw"]).get() == 0o666)
        #expect(throws: DAVAccess.Invalid(index: 1)) { try DAVAccess.parse(["user:rw", "group:x"]).get() }
        #expect(throws: DAVAccess.Invalid(index: 0)) { try DAVAccess.parse(["other:r"]).get() }
        #expect(throws: DAVAccess.Invalid(index: 0)) { try DAVAccess.parse(["user:RW"]).get() }
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("dav_methods PUT GET;")) == "invalid value \"GET\" in /c/nginx.conf:3")
        #expect(loadError(http("dav_methods;")) == "invalid number of arguments in \"dav_methods\" directive in /c/nginx.conf:3")
        #expect(loadError(http("dav_access user:rw group:x;")) == "invalid value \"group:x\" in /c/nginx.conf:3")
        #expect(loadError(http("dav_access user:r group:r all:r user:rw;")) == "invalid number of arguments in \"dav_access\" directive in /c/nginx.conf:3")
        #expect(loadError(http("dav_access all:r; dav_access all:rw;")) == "\"dav_access\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("min_delete_depth two;")) == "\"min_delete_depth\" directive invalid number in /c/nginx.conf:3")
        #expect(loadError(http("min_delete_depth 1; min_delete_depth 2;")) == "\"min_delete_depth\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("create_full_put_path yes;")) == "invalid value \"yes\" in \"create_full_put_path\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { if ($args) { dav_methods PUT; } } }")) == "\"dav_methods\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(["nginx.conf": "dav_methods PUT;\nevents { }\n"]) == "\"dav_methods\" directive is not allowed here in /c/nginx.conf:1")
    }

    @Test func aRepeatedMethodIsAWarning() throws {
        var diagnostics: [ConfigDiagnostic] = []
        let config = try load(http("server { listen 80; location / { dav_methods PUT put; } }"), diagnostics: &diagnostics)
        #expect(firstLocation(config).settings.dav.methods == [.put])
        #expect(diagnostics.contains { "\($0)".contains("duplicate value \"put\"") })
    }
}
