import SwitchyardTestSupport
import Testing

/// `-t` compiles the runtime as a start would: errors found there fail the test with file:line.
@Suite struct RuntimeCheckTests {
    @Test(arguments: [
        ("location / { return 200 \"$nosuchvar\"; }", "unknown \"nosuchvar\" variable in"),
        ("location /s { jvm_route_status nosuch; }", "no upstream \"nosuch\" for \"jvm_route_status\" in"),
    ])
    func testFailsOnRuntimeErrors(location: String, message: String) throws {
        let prefix = try TempDir.make()
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events {}
            http { access_log off; server { listen 127.0.0.1:1; \(location) } }
            """)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(p.status == 1)
        #expect(p.stderr.contains("switchyard: [emerg] \(message) \(prefix)/conf/nginx.conf:2"))
        #expect(p.stderr.contains("test failed"))
    }
}
