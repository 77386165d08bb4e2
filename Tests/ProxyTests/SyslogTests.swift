import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// A syslog daemon for the tests: a UDP socket on 127.0.0.1 that hands back each datagram as text.
private final class SyslogReceiver {
    let fd: Int32
    let port: UInt16

    init() throws {
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) == 0 && getsockname(s, $0, &len) == 0 }
        }
        guard bound else { close(s); throw TestFailure("cannot bind a UDP socket") }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        fd = s
        port = UInt16(bigEndian: a.sin_port)
    }

    deinit { close(fd) }

    /// The next datagram that contains `needle` (others are skipped), or nil after the socket's 5 s timeout.
    func next(containing needle: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            if text.contains(needle) { return text }
        }
    }
}

private struct TestFailure: Error { let text: String; init(_ t: String) { text = t } }

/// error_log and access_log to syslog: the datagrams a syslog daemon gets, with nginx's header.
@Suite(.serialized) struct SyslogTests {
    @Test func errorAndAccessLinesGoAsDatagrams() throws {
        let daemon = try SyslogReceiver()
        let f = try Fixture(http: """
            log_format short "$request_method $uri $status";
            server {
                listen 127.0.0.1:PORT;
                root missing;
                error_log syslog:server=127.0.0.1:\(daemon.port),tag=sy_test;
                location /a/ {
                    access_log syslog:server=127.0.0.1:\(daemon.port),facility=user,severity=notice,nohostname short;
                }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/a/x").status == 404)
        // The error line: local7 (23) and its level's severity (error, 3): <187>; the date, the host, the tag.
        let error = try #require(daemon.next(containing: "missing/a/x"))
        #expect(error.hasPrefix("<187>"))
        let host = String(decoding: ProcessInfo.hostname, as: UTF8.self)
        #expect(error.contains(" \(host) sy_test: "), "\(error)")
        #expect(error.contains(" [error] ") && error.contains("failed (2: No such file or directory), client: 127.0.0.1, server: "))
        // The access line: user (1), notice (5): <13>, no host name, the format's text without a line feed.
        let access = try #require(daemon.next(containing: "GET /a/x 404"))
        #expect(access.hasPrefix("<13>"))
        #expect(access.hasSuffix(" nginx: GET /a/x 404"), "\(access)")
        #expect(!access.contains(host))
        let date = access.dropFirst(4).prefix(16)   // `Dec  6 15:30:00 `
        #expect(date.count == 16 && date.last == " " && date.dropFirst(3).first == " ")
    }
}
