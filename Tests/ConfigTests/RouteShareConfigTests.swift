import Testing

@testable import Config

/// `share=memcached://…` and `share_timeout=` on `sticky learn` and `jvm_route` (issue 19, part 3).
@Suite struct RouteShareConfigTests {
    @Test func parsedOnStickyLearnAndJvmRoute() throws {
        let config = try load(http("""
            upstream a { server 127.0.0.1; sticky learn create=$upstream_cookie_s lookup=$cookie_s zone=z:1m share=memcached://127.0.0.1:11211,[::1]:11212 share_timeout=20ms; }
            upstream b { server 127.0.0.1; jvm_route $cookie_JSESSIONID reverse share=memcached://localhost:11211; }
            upstream d { server 127.0.0.1; jvm_route $cookie_JSESSIONID share=memcached://localhost:11211 share_recheck=5s; }
            upstream c { server 127.0.0.1; sticky learn create=$upstream_cookie_s lookup=$cookie_s zone=y:1m; }
            """))
        let upstreams = config.http!.upstreams
        guard case .learn(let learn)? = upstreams[0].sticky else { Issue.record("no sticky learn"); return }
        #expect(learn.share == RouteShareConfig(nodes: ["127.0.0.1:11211", "[::1]:11212"], timeout: .milliseconds(20)))
        #expect(upstreams[1].jvmRoute?.share == RouteShareConfig(nodes: ["localhost:11211"]))
        #expect(upstreams[1].jvmRoute?.failbackReturn == false)
        #expect(upstreams[2].jvmRoute?.share == RouteShareConfig(nodes: ["localhost:11211"], recheck: .seconds(5)))
        guard case .learn(let plain)? = upstreams[3].sticky else { Issue.record("no sticky learn"); return }
        #expect(plain.share == nil)
    }

    @Test(arguments: [
        ("share=memcached://127.0.0.1", "invalid parameter \"share=memcached://127.0.0.1\" (share=memcached://HOST:PORT[,HOST:PORT...]) in /c/nginx.conf:5"),
        ("share=redis://127.0.0.1:6379", "invalid parameter \"share=redis://127.0.0.1:6379\" (share=memcached://HOST:PORT[,HOST:PORT...]) in /c/nginx.conf:5"),
        ("share=memcached://a:1,a:1", "invalid parameter \"share=memcached://a:1,a:1\" (share=memcached://HOST:PORT[,HOST:PORT...]) in /c/nginx.conf:5"),
        ("share=memcached://a:70000", "invalid parameter \"share=memcached://a:70000\" (share=memcached://HOST:PORT[,HOST:PORT...]) in /c/nginx.conf:5"),
        ("share=memcached://a:1,", "invalid parameter \"share=memcached://a:1,\" (share=memcached://HOST:PORT[,HOST:PORT...]) in /c/nginx.conf:5"),
        ("share_timeout=1s", "\"share_timeout\" needs \"share=memcached://...\" in /c/nginx.conf:5"),
        ("share=memcached://a:1 share_timeout=soon", "invalid parameter \"share_timeout=soon\" in /c/nginx.conf:5"),
    ])
    func badParametersAreEmerg(parameter: String, message: String) {
        let learn = "sticky learn create=$upstream_cookie_s lookup=$cookie_s zone=z:1m \(parameter);"
        #expect(loadError(http("upstream a {\nserver 127.0.0.1;\n\(learn)\n}")) == message)
        let jvm = "jvm_route $cookie_JSESSIONID \(parameter);"
        #expect(loadError(http("upstream a {\nserver 127.0.0.1;\n\(jvm)\n}")) == message)
    }

    @Test func shareRecheckIsJvmRoutes() {
        #expect(loadError(http("upstream a {\nserver 127.0.0.1;\njvm_route $cookie_J share_recheck=1s;\n}"))
            == "\"share_recheck\" needs \"share=memcached://...\" in /c/nginx.conf:5")
        #expect(loadError(http("upstream a {\nserver 127.0.0.1;\njvm_route $cookie_J share=memcached://a:1 share_recheck=x;\n}"))
            == "invalid parameter \"share_recheck=x\" in /c/nginx.conf:5")
        let learn = "sticky learn create=$upstream_cookie_s lookup=$cookie_s zone=z:1m share=memcached://a:1 share_recheck=1s;"
        #expect(loadError(http("upstream a {\nserver 127.0.0.1;\n\(learn)\n}"))
            == "\"share_recheck\" is for jvm_route: sticky learn asks only about sessions it has not seen in /c/nginx.conf:5")
    }

    @Test func failbackReturnHasNothingToShare() {
        let jvm = "jvm_route $cookie_JSESSIONID failback=return share=memcached://127.0.0.1:11211;"
        #expect(loadError(http("upstream a {\nserver 127.0.0.1;\n\(jvm)\n}"))
            == "\"share\" needs failback=stay: failback=return keeps no table in /c/nginx.conf:5")
    }
}
