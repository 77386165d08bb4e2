@testable import Config
import Testing

/// `msie_refresh` (off by default) and `msie_padding` (on): flags of the http, server and location levels,
/// inherited, refused inside `if` as nginx refuses them.
struct MSIEDirectivesTests {
    @Test func defaultsAndInheritance() throws {
        let config = try load(http("""
            msie_refresh on;
            server { listen 80; msie_padding off;
                     location / { }
                     location /own { msie_refresh off; msie_padding on; } }
            server { listen 81; location / { } }
            """))
        let first = config.http!.servers[0].locations
        #expect(first[0].settings.files.msieRefresh && !first[0].settings.content.msiePadding)
        #expect(!first[1].settings.files.msieRefresh && first[1].settings.content.msiePadding)
        let second = config.http!.servers[1].locations[0].settings
        #expect(second.files.msieRefresh && second.content.msiePadding)
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(!firstLocation(plain).settings.files.msieRefresh && firstLocation(plain).settings.content.msiePadding)
    }

    /// They are settings now, not directives accepted with a notice.
    @Test func theyLoadWithoutANotice() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("msie_refresh on; msie_padding off; server { listen 80; }"), diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty)
    }

    @Test(arguments: [
        ("msie_refresh maybe;", "invalid value \"maybe\" in \"msie_refresh\" directive, it must be \"on\" or \"off\" in /c/nginx.conf:3"),
        ("msie_padding on off;", "invalid number of arguments in \"msie_padding\" directive in /c/nginx.conf:3"),
        ("server { location / { if ($x) { msie_padding off; } } }", "\"msie_padding\" directive is not allowed here in /c/nginx.conf:3"),
        ("server { if ($x) { msie_refresh on; } }", "\"msie_refresh\" directive is not allowed here in /c/nginx.conf:3"),
    ])
    func errorsAreNginxs(_ body: String, _ message: String) {
        #expect(loadError(http(body)) == message)
    }
}
