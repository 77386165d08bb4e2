@testable import Config
import Testing

/// limit_req and limit_conn as the configuration reads them: zones, rates, inheritance, and nginx's errors.
@Suite struct LimitConfigTests {
    @Test func zonesAndLimitsAreRead() throws {
        let config = try load(http("""
            limit_req_zone $binary_remote_addr zone=one:1m rate=2r/s;
            limit_req_zone $arg_a zone=slow:64k rate=30r/m;
            limit_conn_zone $binary_remote_addr zone=addr:10m;
            limit_req zone=one burst=5;
            limit_req_status 429;
            server {
                listen 80;
                location /a { }
                location /b { limit_req zone=slow nodelay; limit_req zone=one delay=2 burst=4; limit_conn addr 10; }
                location /c { limit_conn_log_level info; limit_conn_status 501; limit_req_dry_run on; }
            }
            """))
        let http = config.http!
        #expect(http.limitZones.map(\.name) == ["one", "slow", "addr"])
        #expect(http.limitZones[0].kind == .requests(rate: 2000))
        #expect(http.limitZones[1].kind == .requests(rate: 500))
        #expect(http.limitZones[1].size == 64 * 1024)
        #expect(http.limitZones[2].kind == .connections)
        #expect(http.limitZones[2].keyText == "$binary_remote_addr")
        let locs = http.servers[0].locations
        // A level with its own limit_req lines replaces the inherited ones (nginx's array rule).
        #expect(locs[0].settings.limits.requests.map(\.zone) == ["one"])
        #expect(locs[0].settings.limits.requests[0].burst == 5)
        #expect(locs[1].settings.limits.requests.map(\.zone) == ["slow", "one"])
        #expect(locs[1].settings.limits.requests[0].delay == Int.max)
        #expect(locs[1].settings.limits.requests[1].delay == 2)
        #expect(locs[1].settings.limits.connections == [ConnectionLimit(zone: "addr", count: 10, location: locs[1].settings.limits.connections[0].location)])
        #expect(locs[0].settings.limits.requestStatus == 429)
        #expect(locs[2].settings.limits.connectionStatus == 501)
        #expect(locs[2].settings.limits.connectionLogLevel == .info)
        #expect(locs[2].settings.limits.requestDryRun)
        #expect(!locs[0].settings.limits.requestDryRun)
    }

    /// A bare number is per second, as nginx's ngx_atoi reads it; r/m divides by sixty (rounding down).
    @Test(arguments: [("rate=5", 5000), ("rate=1r/m", 16), ("rate=120r/m", 2000), ("rate=1000r/s", 1_000_000)])
    func rates(argument: String, rate: Int) throws {
        let config = try load(http("limit_req_zone $uri zone=z:1m \(argument);"))
        #expect(config.http!.limitZones[0].kind == .requests(rate: rate))
    }

    @Test(arguments: [
        ("limit_req_zone $a zone=z:1m rate=0r/s;", "invalid rate \"rate=0r/s\" in /c/nginx.conf:3"),
        ("limit_req_zone $a zone=z:1m rate=xr/s;", "invalid rate \"rate=xr/s\" in /c/nginx.conf:3"),
        ("limit_req_zone $a zone=z:1k rate=1r/s;", "zone \"zone=z:1k\" is too small in /c/nginx.conf:3"),
        ("limit_req_zone $a zone=z rate=1r/s;", "invalid zone size \"zone=z\" in /c/nginx.conf:3"),
        ("limit_req_zone $a rate=1r/s burst=1;", "invalid parameter \"burst=1\" in /c/nginx.conf:3"),
        ("limit_req_zone $a rate=1r/s rate=2r/s;", "\"limit_req_zone\" must have \"zone\" parameter in /c/nginx.conf:3"),
        ("limit_req_zone $a zone=z:1m;", "invalid number of arguments in \"limit_req_zone\" directive in /c/nginx.conf:3"),
        ("limit_conn_zone $a zone=z:1m rate=1r/s;", "invalid number of arguments in \"limit_conn_zone\" directive in /c/nginx.conf:3"),
        ("limit_conn_zone $a size=1m;", "invalid parameter \"size=1m\" in /c/nginx.conf:3"),
        ("limit_req_zone $a zone=z:1m rate=1r/s;\nlimit_req_zone $b zone=z:1m rate=1r/s;",
         "limit_req_zone \"z\" is already bound to key \"$a\" in /c/nginx.conf:4"),
        ("limit_req_zone $a zone=z:1m rate=1r/s;\nlimit_conn_zone $b zone=z:1m;",
         "the shared memory zone \"z\" is already declared for a different use in /c/nginx.conf:4"),
        ("limit_req zone=nowhere;", "zero size shared memory zone \"nowhere\" in /c/nginx.conf:3"),
        ("limit_conn_zone $a zone=c:1m;\nlimit_req zone=c;",
         "the shared memory zone \"c\" is already declared for a different use in /c/nginx.conf:4"),
        ("limit_req_zone $a zone=z:1m rate=1r/s;\nlimit_req zone=z burst=0;", "invalid burst value \"burst=0\" in /c/nginx.conf:4"),
        ("limit_req_zone $a zone=z:1m rate=1r/s;\nlimit_req zone=z delay=-1;", "invalid delay value \"delay=-1\" in /c/nginx.conf:4"),
        ("limit_req_zone $a zone=z:1m rate=1r/s;\nlimit_req burst=1;", "\"limit_req\" must have \"zone\" parameter in /c/nginx.conf:4"),
        ("limit_req_zone $a zone=z:1m rate=1r/s;\nlimit_req zone=z;\nlimit_req zone=z burst=2;",
         "\"limit_req\" directive is duplicate in /c/nginx.conf:5"),
        ("limit_conn_zone $a zone=c:1m;\nlimit_conn c 0;", "invalid number of connections \"0\" in /c/nginx.conf:4"),
        ("limit_conn_zone $a zone=c:1m;\nlimit_conn c 65536;", "connection limit must be less 65536 in /c/nginx.conf:4"),
        ("limit_conn_zone $a zone=c:1m;\nlimit_conn c 1;\nlimit_conn c 2;", "\"limit_conn\" directive is duplicate in /c/nginx.conf:5"),
        ("limit_req_status 302;", "\"limit_req_status\" directive value must be between 400 and 599 in /c/nginx.conf:3"),
        ("limit_conn_log_level debug;", "invalid value \"debug\" in /c/nginx.conf:3"),
        ("server { location / { if ($uri) { limit_req zone=z; } } }", "\"limit_req\" directive is not allowed here in /c/nginx.conf:3"),
    ] as [(String, String)])
    func nginxErrors(body: String, message: String) {
        #expect(loadError(http(body)) == message)
    }

    /// nginx Plus's `sync` is refused with the reason, not as an unknown word.
    @Test func syncIsRefusedClearly() {
        let text = loadError(http("limit_req_zone $a zone=z:1m rate=1r/s sync;"))
        #expect(text.hasPrefix("\"sync\" in \"limit_req_zone\" needs nginx Plus's zone_sync"))
        #expect(text.hasSuffix(" in /c/nginx.conf:3"))
    }
}
