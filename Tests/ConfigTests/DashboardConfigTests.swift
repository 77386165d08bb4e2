@testable import Config
import Testing

/// `dashboard [api=URI]`: where `api` is accepted, and nginx's wording for the rest.
struct DashboardConfigTests {
    static func location(_ body: String) -> [String: String] { http("server {\nlocation /d {\n\(body)\n}\n}") }

    @Test(arguments: [
        ("dashboard;", "/api"),
        ("dashboard api=/ops/api;", "/ops/api"),
        ("dashboard api=https://ops.example:8443/api;", "https://ops.example:8443/api"),
    ])
    func theAPIDefaultsToSlashAPI(_ line: String, _ api: String) throws {
        let config = try load(Self.location(line))
        #expect(firstLocation(config).handler == .dashboard(api: api))
    }

    @Test(arguments: [
        ("in server", http("server {\ndashboard;\n}"), "\"dashboard\" directive is not allowed here in /c/nginx.conf:4"),
        ("in http", http("dashboard;"), "\"dashboard\" directive is not allowed here in /c/nginx.conf:3"),
        ("unknown parameter", location("dashboard write=on;"), "invalid parameter \"write=on\" in /c/nginx.conf:5"),
        ("relative", location("dashboard api=api;"), "invalid parameter \"api=api\" in /c/nginx.conf:5"),
        ("empty", location("dashboard api=;"), "invalid parameter \"api=\" in /c/nginx.conf:5"),
        ("quote", location("dashboard 'api=/a\"b';"), "invalid parameter \"api=/a\"b\" in /c/nginx.conf:5"),
        ("tag", location("dashboard api=/a<b;"), "invalid parameter \"api=/a<b\" in /c/nginx.conf:5"),
        ("scheme", location("dashboard api=javascript:alert(1);"),
         "invalid parameter \"api=javascript:alert(1)\" in /c/nginx.conf:5"),
        ("arity", location("dashboard api=/a api=/b;"), "invalid number of arguments in \"dashboard\" directive in /c/nginx.conf:5"),
        ("two handlers", location("api;\ndashboard;"), "\"dashboard\" directive is duplicate in /c/nginx.conf:6"),
    ])
    func refusedWithNginxWording(_ name: String, _ files: [String: String], _ message: String) {
        #expect(loadError(files) == message, "\(name)")
    }
}
