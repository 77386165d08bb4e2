import SwitchyardTestSupport
import Testing

/// `$upstream_cookie_NAME` reads the cookie each Set-Cookie line starts with, as nginx does: spaces around `=`
/// are allowed, a tab is not (proxy_upstream_cookie.t "tabbed").
@Suite(.serialized) struct UpstreamCookieVariableTests {
    @Test func readsTheFirstCookieOfASetCookieLine() throws {
        let app = freePort()
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { add_header X-UC $upstream_cookie_tc; proxy_pass http://127.0.0.1:\(app); }
            }
            server {
                listen 127.0.0.1:\(app);
                location / { add_header Set-Cookie $http_x_c; return 204; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/", headers: ["X-C": "tc = a  b; Path=/"]).header("X-UC") == "a  b")
        #expect(try f.get("/", headers: ["X-C": "tc\t=\tcontent;"]).header("X-UC") == nil)
        #expect(try f.get("/", headers: ["X-C": "x=1; tc=2"]).header("X-UC") == nil)
    }
}
