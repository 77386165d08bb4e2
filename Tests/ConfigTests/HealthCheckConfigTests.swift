@testable import Config
import Testing

/// `health_check` and `match` as nginx Plus writes them, and the errors of the ones it refuses.
struct HealthCheckConfigTests {
    static func conf(_ check: String, upstream: String = "zone pool 64k;", extra: String = "") -> [String: String] {
        http("""
            upstream pool { \(upstream) server 127.0.0.1:8081; }
            \(extra)
            server {
            location / {
            proxy_pass http://pool;
            \(check)
            }
            }
            """)
    }

    @Test func defaultsAreNginxPlus() throws {
        let c = try #require(firstLocation(try load(Self.conf("health_check;"))).healthChecks.first)
        #expect(c.interval == .seconds(5) && c.jitter == .zero && c.fails == 1 && c.passes == 1 && c.uri == "/")
        #expect(c.port == nil && c.match == nil && !c.mandatory && !c.persistent)
    }

    @Test func everyParameter() throws {
        let text = "health_check interval=2s jitter=100ms fails=3 passes=2 uri=/health port=9000 match=ok mandatory persistent;"
        let config = try load(Self.conf(text, extra: "match ok { status 200; }"))
        let c = try #require(firstLocation(config).healthChecks.first)
        #expect(c.interval == .seconds(2) && c.jitter == .milliseconds(100) && c.fails == 3 && c.passes == 2)
        #expect(c.uri == "/health" && c.port == 9000 && c.match == "ok" && c.mandatory && c.persistent)
    }

    @Test func matchBlocksTakeNginxPlusTests() throws {
        let config = try load(Self.conf("health_check match=m;", extra: """
            match m {
            status 200-399 204;
            status ! 500;
            header Content-Type = text/html;
            header Content-Type != text/plain;
            header X-Up ~ "^y";
            header X-Up !~ "^n";
            header Server;
            header ! X-Down;
            body ~ "Welcome";
            body !~ "maintenance";
            }
            """))
        let m = try #require(config.http?.matches.first)
        #expect(m.name == "m")
        #expect(m.tests == [
            .status(negated: false, ranges: [200...399, 204...204]), .status(negated: true, ranges: [500...500]),
            .header(name: "Content-Type", test: .equals("text/html")), .header(name: "Content-Type", test: .notEquals("text/plain")),
            .header(name: "X-Up", test: .matches("^y")), .header(name: "X-Up", test: .notMatches("^n")),
            .header(name: "Server", test: .present), .header(name: "X-Down", test: .absent),
            .body(pattern: "Welcome", negated: false), .body(pattern: "maintenance", negated: true),
        ])
    }

    static let errors: [(String, [String: String], String)] = [
        ("no zone", conf("health_check;", upstream: ""), "upstream \"pool\" must reside in shared memory in /c/nginx.conf:8"),
        ("unknown match", conf("health_check match=nope;"), "match \"nope\" not found in /c/nginx.conf:8"),
        ("bad parameter", conf("health_check intervals=3s;"), "invalid parameter \"intervals=3s\" in /c/nginx.conf:8"),
        ("bad interval", conf("health_check interval=0;"), "invalid parameter \"interval=0\" in /c/nginx.conf:8"),
        ("bad fails", conf("health_check fails=x;"), "invalid parameter \"fails=x\" in /c/nginx.conf:8"),
        ("bad uri", conf("health_check uri=health;"), "invalid parameter \"uri=health\" in /c/nginx.conf:8"),
        ("persistent alone", conf("health_check persistent;"), "\"persistent\" requires \"mandatory\" in /c/nginx.conf:8"),
        ("grpc", conf("health_check type=grpc;"), "parameter \"type=grpc\" is not supported in switchyard in /c/nginx.conf:8"),
        ("no upstream", http("server {\nlocation / {\nhealth_check;\n}\n}"),
         "\"health_check\" requires \"proxy_pass\" to an upstream group in /c/nginx.conf:5"),
        ("in server", http("server {\nhealth_check;\n}"), "\"health_check\" directive is not allowed here in /c/nginx.conf:4"),
        ("duplicate match", http("match a { status 200; }\nmatch a { status 200; }"), "duplicate match \"a\" in /c/nginx.conf:4"),
        ("bad status", http("match a { status 2xx; }"), "invalid status \"2xx\" in /c/nginx.conf:3"),
        ("bad body", http("match a { body Welcome; }"), "invalid number of arguments in \"body\" directive in /c/nginx.conf:3"),
        ("bad header op", http("match a { header X >= 3; }"), "invalid parameter \">=\" in /c/nginx.conf:3"),
        ("bad regex", http("match a { body ~ \"(a\"; }"),
         "pcre2_compile() failed: missing closing parenthesis in \"(a\" in /c/nginx.conf:3"),
        ("require", http("match a { require $x; }"), "\"require\" in \"match\" is not supported in switchyard in /c/nginx.conf:3"),
        ("unknown test", http("match a { colour red; }"), "unknown directive \"colour\" in /c/nginx.conf:3"),
    ]

    @Test(arguments: errors)
    func refusals(_ name: String, _ files: [String: String], _ expected: String) {
        #expect(loadError(files) == expected, "\(name)")
    }
}
