@testable import Config
import Testing

/// `syslog:` targets of error_log and access_log: nginx's errors.
struct SyslogConfigTests {
    private func server(_ body: String) -> [String: String] { http("server { \(body) }") }

    @Test func refusesWhatNginxRefuses() {
        #expect(loadError(server("error_log syslog:facility=user;")) == "no syslog server specified in /c/nginx.conf:3")
        #expect(loadError(server("error_log syslog:server=127.0.0.1,facility=nope;"))
            == "unknown syslog facility \"nope\" in /c/nginx.conf:3")
        #expect(loadError(server("access_log syslog:server=127.0.0.1,severity=err;"))
            == "unknown syslog severity \"err\" in /c/nginx.conf:3")
        #expect(loadError(server("access_log syslog:server=127.0.0.1,tag=a-b;"))
            == "syslog \"tag\" only allows alphanumeric characters and underscore in /c/nginx.conf:3")
        #expect(loadError(server("access_log syslog:server=127.0.0.1,tag=\(String(repeating: "t", count: 33));"))
            == "syslog tag length exceeds 32 in /c/nginx.conf:3")
        #expect(loadError(server("access_log syslog:server=127.0.0.1,server=127.0.0.2;"))
            == "duplicate syslog \"server\" in /c/nginx.conf:3")
        #expect(loadError(server("access_log syslog:server=127.0.0.1,color=red;"))
            == "unknown syslog parameter \"color=red\" in /c/nginx.conf:3")
        #expect(loadError(server("access_log syslog:server=127.0.0.1 combined buffer=4k;"))
            == "logs to syslog cannot be buffered in /c/nginx.conf:3")
        #expect(loadError(server("access_log syslog:server=127.0.0.1 combined gzip;"))
            == "logs to syslog cannot be buffered in /c/nginx.conf:3")
        #expect(loadError(server("error_log syslog:server=unix:/dev/log,facility=local0,severity=debug,tag=web,nohostname;"
                                 + " access_log syslog:server=[::1]:5514;")) == "loaded")
    }
}
