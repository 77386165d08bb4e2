import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// What a running switchyard does with the configurations nginx 1.22.1 loads that switchyard used to refuse.
struct NginxAgreementRuntimeTests {
    /// `access_log ""` writes its lines to the standard error, as nginx's empty file name does.
    @Test func anEmptyAccessLogNameWritesToStandardError() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { access_log "" combined; return 200 "ok"; } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/logged-to-stderr").status == 200)
        #expect(f.logFile("stderr.log", containing: "\"GET /logged-to-stderr HTTP/1.1\" 200").contains(
            "\"GET /logged-to-stderr HTTP/1.1\" 200"))
        f.proxy.signal(SIGUSR1)   // a reopen leaves the standard error alone
        #expect(try f.get("/after-reopen").status == 200)
        #expect(f.logFile("stderr.log", containing: "\"GET /after-reopen HTTP/1.1\" 200").contains(
            "\"GET /after-reopen HTTP/1.1\" 200"))
    }

    /// A named location written twice: an internal redirect finds the first, as in nginx.
    @Test func aRepeatedNamedLocationIsTheFirstOne() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT;
                     location / { error_page 404 = @a; return 404; }
                     location @a { return 200 "first"; }
                     location @a { return 200 "second"; } }
            """)
        defer { f.proxy.stop() }
        let response = try f.get("/x")
        #expect(response.status == 200)
        #expect(response.text == "first")
    }

    /// client_body_temp_path takes nginx's levels (up to three, 10 digits in all): the directories are the file
    /// name's last digits, as ngx_create_hashed_filename cuts them.
    @Test func bodyTempLevelsBeyondTwo() {
        let spread = BodyTempPath(directory: "/t", levels: [4, 4, 2]).path(for: 1_234_567_890)
        #expect(spread.directories == ["/t", "/t/7890", "/t/7890/3456", "/t/7890/3456/12"])
        #expect(spread.file == "/t/7890/3456/12/1234567890")
    }
}
