@testable import Config
import Testing

/// Configurations `make config-diff` found nginx 1.22.1 loading and switchyard refusing: each loads now, with
/// the meaning nginx gives it.
struct NginxLoadsTooTests {
    /// ngx_conf_open_file: an empty name is the standard error, for error_log as for access_log (`stderr` is an
    /// access log file of that name in the prefix, as in nginx).
    @Test func emptyLogNamesAreTheStandardError() throws {
        let config = try load(["nginx.conf": """
            error_log "" warn;
            events {}
            http { error_log ""; access_log ""; server { listen 80; location / { access_log stderr; } } }
            """])
        #expect(config.main.errorLogs.map(\.path) == ["stderr"])
        #expect(config.main.errorLogs[0].level == .warn)
        #expect(config.http!.settings.logging.errorLogs.map(\.path) == ["stderr"])
        #expect(config.http!.settings.logging.accessLogs.map(\.path) == [""])
        #expect(config.http!.servers[0].locations[0].settings.logging.accessLogs.map(\.path) == ["/p/stderr"])
    }

    /// nginx's upstream `zone` has no duplicate check: the last one is the upstream's, and each is declared (an
    /// unsized one must get its size somewhere, as nginx's shared memory does).
    @Test func aSecondUpstreamZoneIsTheOneUsed() throws {
        let config = try load(http("upstream u { zone a 64k; zone b 64k; server 127.0.0.1:81; }"))
        #expect(config.http!.upstream(named: "u")?.zone?.name == "b")
        #expect(loadError(http("upstream u { zone a; zone b 64k; server 127.0.0.1:81; }"))
            == "zero size shared memory zone \"a\"")
    }

    /// nginx takes `any` among status codes in `proxy_cache_valid` (each code and `any` get the time, so every
    /// status does); a bad code beside it is still refused.
    @Test func anyAmongCacheValidCodes() throws {
        let config = try load(http("proxy_cache_valid 200 any 10m; server { listen 80; }"))
        #expect(config.http!.settings.proxy.cache.valid == [CacheValid(codes: .any, time: .seconds(600))])
        #expect(loadError(http("proxy_cache_valid 200 any 99 10m; server { listen 80; }")) == "invalid status \"99\" in /c/nginx.conf:3")
    }

    /// nginx 1.22 takes a cookie named in two proxy_cookie_flags lines; the first that matches applies.
    @Test func aCookieMayBeNamedTwice() throws {
        let config = try load(http("""
            server { listen 80; location / { proxy_pass http://127.0.0.1:81;
                     proxy_cookie_flags b secure; proxy_cookie_flags b httponly; } }
            """))
        let rules = config.http!.servers[0].locations[0].settings.proxy.cookieFlags
        #expect(rules.count == 2)
        #expect(rules.map(\.flags) == [[.secure], [.httpOnly]])
    }

    /// nginx checks no duplicate named location (the first of a name is the one an internal redirect finds, in
    /// RuntimeBuilder); other duplicates stay refused.
    @Test func aNamedLocationMayBeRepeated() throws {
        let config = try load(http("server { listen 80; location @a { return 200; } location @a { return 201; } }"))
        #expect(config.http!.servers[0].locations.map(\.match) == [.named("@a"), .named("@a")])
        #expect(loadError(http("server { location = /x {} location = /x {} }"))
            == "duplicate location \"/x\" in /c/nginx.conf:3")
    }

    /// Quotes do not make a directive name or an `if` word something else: `"include"` includes, `"($args)"`
    /// is the condition `($args)`.
    @Test func quotedWordsReadAsWritten() throws {
        let config = try load([
            "nginx.conf": "events {}\nhttp { \"include\" more.conf; }\n",
            "more.conf": "server { listen 80; location / { if \"($args)\" { return 204; } if ( \"$a\" = \"x\" ) { return 205; } } }\n",
        ])
        let steps = config.http!.servers[0].locations[0].rewrites
        guard steps.count == 2, case .if(let first) = steps[0], case .if(let second) = steps[1] else {
            Issue.record("two if blocks, got \(steps)")
            return
        }
        #expect(first.condition == .variable(try Template("$args")))
        #expect(second.condition == .compare(try Template("$a"), try Template("x"), negated: false))
    }
}
