import Glibc
import SwitchyardTestSupport

/// Readiness of a child process's port: one connect through TestClient, polled.
enum PortProbe {
    static func isListening(_ port: UInt16) -> Bool { (try? TestClient(port: port)) != nil }

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
