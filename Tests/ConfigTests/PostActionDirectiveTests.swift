@testable import Config
import Testing

/// `post_action` (core module, undocumented): a URI, a named location, or `off`; inherited.
struct PostActionDirectiveTests {
    @Test func postActionTakesAURIANamedLocationOrOff() throws {
        let config = try load(http("""
            post_action /after;
            server { listen 80;
                     location / { }
                     location /named { post_action @n; }
                     location /off { post_action off; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.content.postAction == "/after")
        #expect(locs[1].settings.content.postAction == "@n")
        #expect(locs[2].settings.content.postAction == nil)
    }
}
