@testable import Config
import Testing

/// ngx_http_addition_filter_module's directives: inheritance (`""` cancels an inherited URI), contexts, wording.
struct AdditionDirectivesTests {
    @Test func defaultsAndInheritance() throws {
        let config = try load(http("""
            add_before_body /before;
            addition_types text/plain;
            server { listen 80; add_after_body /after;
                     location / { }
                     location /off { add_before_body ""; addition_types *; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.addition.beforeBody == "/before")
        #expect(locs[0].settings.addition.afterBody == "/after")
        #expect(locs[0].settings.addition.types == ["text/plain", "text/html"])
        #expect(locs[1].settings.addition.beforeBody == "")
        #expect(locs[1].settings.addition.afterBody == "/after")
        #expect(locs[1].settings.addition.types.contains("*"))
        let plain = try load(http("server { listen 80; location / { } }"))
        #expect(plain.http!.servers[0].locations[0].settings.addition.beforeBody == "")
        #expect(plain.http!.servers[0].locations[0].settings.addition.types == ["text/html"])
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("add_before_body /a; add_before_body /b;"))
                == "\"add_before_body\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("add_after_body;")) == "invalid number of arguments in \"add_after_body\" directive in /c/nginx.conf:3")
        #expect(loadError(http("add_after_body /a /b;")) == "invalid number of arguments in \"add_after_body\" directive in /c/nginx.conf:3")
        #expect(loadError(http("addition_types;")) == "invalid number of arguments in \"addition_types\" directive in /c/nginx.conf:3")
        #expect(loadError(http("addition_types text/plain; addition_types text/css;")) == "loaded")   // they add up
        #expect(loadError(http("server { listen 80; location / { if ($args) { add_before_body /a; } } }"))
                == "\"add_before_body\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(["nginx.conf": "add_after_body /a;\nevents {}\n"]) == "\"add_after_body\" directive is not allowed here in /c/nginx.conf:1")
    }
}
