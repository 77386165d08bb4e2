import Glibc

/// Whether something accepts TCP connections on 127.0.0.1:port: one connect, one close.
///
/// Not `TestClient(port:)`: when its connect fails, TestClient's initializer closes the socket and, because the
/// object was fully initialized, its deinit closes the same number again — closing whatever socket another test's
/// thread opened in between. Polling a port that is not listening yet hits that path on every try.
enum PortProbe {
    static func isListening(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc == 0
    }

    /// Polls (10 ms apart, `seconds` at most) until `port` listens; `exited` reports a process that died instead.
    static func waitUntilListening(_ port: UInt16, seconds: Int = 10, what: String,
                                   exited: () -> String? = { nil }) throws {
        for _ in 0..<(seconds * 100) {
            if isListening(port) { return }
            if let why = exited() { throw ProbeError(description: "\(what) exited: \(why)") }
            usleep(10_000)
        }
        throw ProbeError(description: "\(what) did not listen on \(port) within \(seconds) s")
    }
}

struct ProbeError: Error, CustomStringConvertible {
    let description: String
}
