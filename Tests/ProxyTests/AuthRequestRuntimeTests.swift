import Config
@testable import Proxy
import Testing

/// auth_request_set's variables at load, without sockets: declared like `set`'s, with nginx's errors.
@Suite struct AuthRequestRuntimeTests {
    private func build(_ location: String) throws -> Runtime {
        let text = "events {} http { server { listen 127.0.0.1:1; location / { \(location) } } }"
        let config = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                      source: InMemoryConfigSource(["/c/nginx.conf": text])).load(file: "/c/nginx.conf")
        return try RuntimeBuilder.build(config, prefix: "/tmp", generation: 1, previous: nil, openFiles: false)
    }

    private func buildError(_ location: String) -> String {
        do { _ = try build(location); return "built" } catch { return "\(error)" }
    }

    @Test func aSetVariableIsKnownWhereverItIsRead() throws {
        let runtime = try build("auth_request /a; auth_request_set $who $upstream_http_x_user; add_header X-Who $who;")
        #expect(runtime.userVariableCount == 1)
        #expect(buildError("add_header X-Who $who;") == "unknown \"who\" variable in /c/nginx.conf:1")
    }

    @Test func builtInsAreRefusedExceptTheChangeableOnes() throws {
        #expect(buildError("auth_request /a; auth_request_set $uri x;") == "the duplicate \"uri\" variable in /c/nginx.conf:1")
        // $args and $limit_rate have nginx's set handlers: no slot of their own.
        #expect(try build("auth_request /a; auth_request_set $args x; auth_request_set $limit_rate 1k;").userVariableCount == 0)
    }
}
