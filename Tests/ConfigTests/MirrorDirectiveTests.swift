@testable import Config
import Testing

/// ngx_http_mirror_module's `mirror` (several a level, `off` for none, a level's list replacing its parent's) and
/// `mirror_request_body` (on by default, inherited); `log_subrequest`.
struct MirrorDirectiveTests {
    @Test func listsOffAndInheritance() throws {
        let config = try load(http("""
            mirror /m;
            mirror_request_body off;
            server { listen 80;
                     location / { }
                     location /many { mirror /a; mirror /b; mirror_request_body on; log_subrequest on; }
                     location /off { mirror off; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.content.mirrors == ["/m"])
        #expect(locs[0].settings.content.mirrorRequestBody == false)
        #expect(locs[1].settings.content.mirrors == ["/a", "/b"])
        #expect(locs[1].settings.content.mirrorRequestBody == true)
        #expect(locs[1].settings.content.logSubrequest == true)
        #expect(locs[2].settings.content.mirrors == [])
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(plain.http!.servers[0].locations[0].settings.content.mirrors == [])
        #expect(plain.http!.servers[0].locations[0].settings.content.mirrorRequestBody == true)
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("mirror;")) == "invalid number of arguments in \"mirror\" directive in /c/nginx.conf:3")
        #expect(loadError(http("mirror_request_body maybe;"))
                == "invalid value \"maybe\" in \"mirror_request_body\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3")
    }
}
