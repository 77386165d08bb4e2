import Glibc
import SwitchyardTestSupport

/// A running switchyard in front of mock backends, on free ports, with the config given inline.
struct Fixture {
    let proxy: ProxyProcess
    let port: UInt16

    /// `http` is the body of the http block; `PORT` in it becomes the proxy's listen port.
    init(http: String, main: String = "", files: [String: String] = [:]) throws {
        let port = freePort()
        let text = """
            \(main)
            error_log logs/error.log info;
            pid logs/switchyard.pid;
            events { worker_connections 1024; }
            http {
                \(http.replacingOccurrences(of: "PORT", with: String(port)))
            }
            """
        self.port = port
        proxy = try ProxyProcess(config: text, files: files, waitForPort: port)
    }

    func get(_ path: String, headers: [String: String] = [:]) throws -> TestResponse {
        try TestClient.get(port: port, path, headers: headers)
    }

    func client() throws -> TestClient { try TestClient(port: port) }

    func errorLog() -> String { proxy.file("logs/error.log") }

    /// Sends `request` on a new connection and returns every byte the proxy writes until it closes.
    func raw(_ request: String) throws -> String {
        String(decoding: try rawBytes(request).bytes, as: UTF8.self)
    }

    /// The same as bytes (a gzip body is no UTF-8), with how many reads returned them (how the answer was sent).
    func rawBytes(_ request: String) throws -> (bytes: [UInt8], reads: Int) {
        let c = try client()
        try c.send(request)
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536), reads = 0
        while case let n = read(c.fd, &chunk, chunk.count), n > 0 {
            bytes += chunk[0..<n]
            reads += 1
        }
        return (bytes, reads)
    }

    /// A log file's text once it contains `needle` (a line is written just after its response is sent), or what
    /// it holds after five seconds.
    func logFile(_ relative: String, containing needle: String) -> String {
        var text = ""
        for _ in 0..<500 {
            text = proxy.file(relative)
            if text.contains(needle) { return text }
            usleep(10_000)
        }
        return text
    }
}

extension String {
    /// Foundation-free `replacingOccurrences`.
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
