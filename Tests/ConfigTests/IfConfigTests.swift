@testable import Config
import Testing

/// `if` blocks, their conditions and the directives allowed inside them (nginx's SIF and LIF contexts).
@Suite struct IfConfigTests {
    private func condition(_ text: String) throws -> IfCondition {
        let config = try load(http("server { location / { if \(text) { return 204; } } }"))
        guard case .if(let block) = firstLocation(config).rewrites[0] else { throw ConfigError("no if", at: nil) }
        return block.condition
    }

    @Test func everyConditionForm() throws {
        #expect(try condition("($arg_c)") == .variable(try Template("$arg_c")))
        #expect(try condition("( $arg_c )") == .variable(try Template("$arg_c")))
        #expect(try condition("($arg_c = 1)") == .compare(try Template("$arg_c"), try Template("1"), negated: false))
        #expect(try condition("($a != \"x y\")") == .compare(try Template("$a"), try Template("x y"), negated: true))
        #expect(try condition("($a ~* ^fo(o)$)")
            == .regex(try Template("$a"), pattern: "^fo(o)$", caseInsensitive: true, negated: false))
        #expect(try condition("($a !~ foo)")
            == .regex(try Template("$a"), pattern: "foo", caseInsensitive: false, negated: true))
        #expect(try condition("(-f /x/$arg_c)") == .file(try Template("/x/$arg_c"), test: .file, negated: false))
        #expect(try condition("(!-x /bin/sh)") == .file(try Template("/bin/sh"), test: .executable, negated: true))
        #expect(try condition("(!-d /tmp)") == .file(try Template("/tmp"), test: .directory, negated: true))
        #expect(try condition("(-e /tmp)") == .file(try Template("/tmp"), test: .exists, negated: false))
    }

    @Test func badConditionsFailWithNginxMessages() {
        #expect(loadError(http("server { location / { if ($a { } } }")).hasPrefix("invalid condition \"($a\""))
        #expect(loadError(http("server { location / { if ($a <> b) { } } }")).hasPrefix("unexpected \"<>\" in condition"))
        #expect(loadError(http("server { location / { if (-q /x) { } } }")).hasPrefix("invalid condition"))
        #expect(loadError(http("server { location / { if ($a ~ \"(\") { } } }")) != "loaded")
    }

    @Test func locationIfIsAnImplicitLocation() throws {
        let config = try load(http("""
            upstream app { server 127.0.0.1:1; }
            server { location / {
                proxy_read_timeout 7s;
                if ($http_upgrade) { proxy_pass http://app; add_header X-If 1; set $v 1; break; }
            } }
            """))
        guard case .if(let block) = firstLocation(config).rewrites[0] else { Issue.record("no if"); return }
        #expect(block.steps.count == 2)
        #expect(block.settings?.proxy.readTimeout == .seconds(7))   // merged from the location around it
        #expect(block.settings?.content.addHeaders.count == 1)
        guard case .proxy(.static)? = block.handler else { Issue.record("no proxy_pass in if"); return }
    }

    @Test func onlyNginxsIfDirectivesAreAllowedInside() {
        #expect(loadError(http("server { location / { if ($a) { proxy_set_header A b; } } }"))
            .hasPrefix("\"proxy_set_header\" directive is not allowed here"))
        #expect(loadError(http("server { if ($a) { root /x; } }")).hasPrefix("\"root\" directive is not allowed here"))
        #expect(loadError(http("server { location / { if ($a) { location /x { } } } }"))
            .hasPrefix("\"location\" directive is not allowed here"))
        #expect(loadError(http("upstream a { server 127.0.0.1; } server { location / { if ($a) { proxy_pass http://a/x; } } }"))
            .hasPrefix("\"proxy_pass\" cannot have URI part"))
        #expect(loadError(http("server { if ($a) { set $b 1; if ($b) { return 403; } } }")) == "loaded")
    }

    @Test func rewriteLogAndUninitializedVariableWarn() throws {
        let config = try load(http("rewrite_log on; uninitialized_variable_warn off; server { location / { } }"))
        #expect(firstLocation(config).settings.rewrite.log)
        #expect(!firstLocation(config).settings.rewrite.uninitializedWarn)
    }

    @Test func mapAcceptsARepeatedRegexKeyButNotARepeatedExactOne() {
        #expect(loadError(http("map $a $b { ~x 1; ~x 2; } server { }")) == "loaded")
        #expect(loadError(http("map $a $b { x 1; x 2; } server { }")).hasPrefix("conflicting parameter \"x\""))
    }
}
