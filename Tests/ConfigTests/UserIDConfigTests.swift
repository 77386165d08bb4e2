@testable import Config
import Testing

/// userid*: nginx's errors, and what a level inherits.
struct UserIDConfigTests {
    private func server(_ body: String) -> [String: String] { http("server { \(body) }") }

    @Test func refusesWhatNginxRefuses() {
        #expect(loadError(server("userid maybe;")) == "invalid value \"maybe\" in /c/nginx.conf:3")
        #expect(loadError(server("userid on; userid off;")) == "\"userid\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(server("userid_mark xx;"))
            == "\"userid_mark\" directive value must be \"off\" or a single letter, digit or \"=\" in /c/nginx.conf:3")
        #expect(loadError(server("userid_expires soon;")) == "\"userid_expires\" directive invalid value in /c/nginx.conf:3")
        #expect(loadError(server("userid_service x;")) == "\"userid_service\" directive invalid number in /c/nginx.conf:3")
        #expect(loadError(server("userid_flags secure sometimes;")) == "invalid value \"sometimes\" in /c/nginx.conf:3")
        #expect(loadError(server("userid_flags a b c d;")) == "invalid number of arguments in \"userid_flags\" directive in /c/nginx.conf:3")
        #expect(loadError(server("userid v1; userid_name u; userid_domain none; userid_path /; userid_p3p none; "
                                 + "userid_expires 1d; userid_service 1; userid_mark =; userid_flags off;")) == "loaded")
    }

    @Test func aLevelInheritsAndFlagsLinesAddUp() throws {
        let loaded = try load(http("userid on; userid_domain example.com; userid_flags secure; "
                                   + "server { userid_flags httponly; userid_flags samesite=none; location / { userid_expires max; } }"))
        let u = firstLocation(loaded).settings.userid
        #expect(u.mode == .on && u.domain == "example.com" && u.expires == .max && u.name == "uid" && u.path == "/")
        #expect(u.flags == [.httpOnly, .sameSiteNone])   // the server's own lines replace the http level's
        #expect(u.mark == nil && u.service == nil && u.p3p == nil)
    }
}
