@testable import Config
import Testing

/// `auth_request` and `auth_request_set` as the configuration reads them: levels, inheritance, `off`, errors.
@Suite struct AuthRequestConfigTests {
    @Test func uriAndSetsAreInheritedUntilALevelHasItsOwn() throws {
        let config = try load(http("""
            auth_request /auth;
            auth_request_set $user $upstream_http_x_user;
            server {
                listen 80;
                location /a { }
                location /b { auth_request off; }
                location /c { auth_request /other; auth_request_set $group $upstream_http_x_group; }
            }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.access.authRequest == "/auth")
        #expect(locs[0].settings.access.authRequestSets.map(\.name) == ["user"])
        #expect(locs[1].settings.access.authRequest == nil)
        #expect(locs[1].settings.access.authRequestSets.map(\.name) == ["user"])
        #expect(locs[2].settings.access.authRequest == "/other")
        // nginx's array rule: a level with its own lines drops the inherited ones.
        #expect(locs[2].settings.access.authRequestSets.map(\.name) == ["group"])
        #expect(locs[2].settings.access.authRequestSets[0].value == (try Template("$upstream_http_x_group")))
    }

    @Test func itsVariablesAreDefinedByTheConfiguration() throws {
        let config = try load(http("""
            auth_request_set $outer 1;
            server { listen 80; location / { auth_request /a; auth_request_set $inner 2; set $s 3; } }
            """))
        #expect(config.http!.definedVariables == ["outer", "inner", "s"])
    }

    @Test func severalSetLinesKeepTheirOrder() throws {
        let config = try load(http("""
            server { listen 80; location / { auth_request /a; auth_request_set $x 1; auth_request_set $y "$x-2"; } }
            """))
        #expect(firstLocation(config).settings.access.authRequestSets.map(\.name) == ["x", "y"])
    }

    @Test(arguments: [
        ("auth_request /a; auth_request /b;", "\"auth_request\" directive is duplicate in /c/nginx.conf:3"),
        ("auth_request;", "invalid number of arguments in \"auth_request\" directive in /c/nginx.conf:3"),
        ("auth_request_set user 1;", "invalid variable name \"user\" in /c/nginx.conf:3"),
        ("auth_request_set $ 1;", "invalid variable name \"$\" in /c/nginx.conf:3"),
        ("auth_request_set $user;", "invalid number of arguments in \"auth_request_set\" directive in /c/nginx.conf:3"),
    ] as [(String, String)])
    func errors(line: String, message: String) {
        #expect(loadError(http("server { location / { \(line) } }")) == message)
    }

    @Test func notInsideLimitExceptOrIf() {
        #expect(loadError(http("server { location / { limit_except GET { auth_request /a; } } }"))
                .hasPrefix("\"auth_request\" directive is not allowed here"))
        #expect(loadError(http("server { location / { if ($arg_a) { auth_request_set $x 1; } } }"))
                .hasPrefix("\"auth_request_set\" directive is not allowed here"))
    }
}
