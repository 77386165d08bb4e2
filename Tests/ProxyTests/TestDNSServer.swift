import EventLoop
import Glibc
import Synchronization

/// A tiny DNS server on 127.0.0.1 (UDP, and TCP on the same port) for the resolver's end-to-end tests: each
/// name answers as the test says, and every question it was asked is recorded.
final class TestDNSServer: @unchecked Sendable {
    enum Behavior: Sendable {
        /// A records (AAAA questions get an empty NOERROR answer).
        case addresses([[UInt8]], ttl: UInt32)
        case nxdomain
        /// Never answers (the resolver times out).
        case silent
        /// Answers after a delay (requests that arrive meanwhile share the query).
        case slow([[UInt8]], millis: Int)
        /// The UDP answer is truncated (TC, no records); TCP gets the addresses.
        case truncated([[UInt8]])
    }

    let port: UInt16
    private let udp: Int32
    private let tcp: Int32
    private let names: Mutex<[String: Behavior]>
    private let asked = Mutex<[String]>([])
    private let stopping = Atomic<Bool>(false)
    private var threads: [WorkerThread] = []

    init(_ names: [String: Behavior]) throws {
        self.names = Mutex(names)
        // A UDP port the kernel picks whose TCP twin is free too.
        var chosen: (Int32, Int32, UInt16)? = nil
        for _ in 0..<20 {
            let u = Self.bound(SOCK_DGRAM, port: 0)
            let p = Self.localPort(u)
            let t = Self.bound(SOCK_STREAM, port: p)
            if t >= 0 { chosen = (u, t, p); break }
            close(u)
        }
        guard let (u, t, p) = chosen else { throw SocketFailure() }
        udp = u; tcp = t; port = p
        listen(tcp, 8)
        var tv = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(udp, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(tcp, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let me = UncheckedBox(self)
        threads.append(WorkerThread.spawn { me.value.serveUDP() })
        threads.append(WorkerThread.spawn { me.value.serveTCP() })
    }

    struct SocketFailure: Error {}

    /// "name type" of every question received, in order ("app.test 1", "app.test 28").
    var questions: [String] { asked.withLock { $0 } }
    func count(_ name: String, type: UInt16 = 1) -> Int { questions.filter { $0 == "\(name) \(type)" }.count }
    func set(_ name: String, _ b: Behavior) { names.withLock { $0[name] = b } }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        for t in threads { t.join() }
        close(udp); close(tcp)
    }

    // MARK: - Serving

    private func serveUDP() {
        var buffer = [UInt8](repeating: 0, count: 1500)
        while !stopping.load(ordering: .relaxed) {
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(udp, &buffer, buffer.count, 0, $0, &len) }
            }
            guard n > 0, let reply = answer(Array(buffer[..<n]), overTCP: false) else { continue }
            _ = withUnsafePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(udp, reply, reply.count, 0, $0, len) }
            }
        }
    }

    private func serveTCP() {
        while !stopping.load(ordering: .relaxed) {
            let c = accept(tcp, nil, nil)
            if c < 0 { continue }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var input: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1500)
            while true {
                let n = read(c, &chunk, chunk.count)
                if n <= 0 { break }
                input += chunk[..<n]
                if input.count >= 2, input.count >= 2 + (Int(input[0]) << 8 | Int(input[1])) { break }
            }
            if input.count > 2, let reply = answer(Array(input[2...]), overTCP: true) {
                let framed = [UInt8(reply.count >> 8), UInt8(reply.count & 0xFF)] + reply
                _ = write(c, framed, framed.count)
            }
            close(c)
        }
    }

    /// The reply to one query, or nil to stay silent.
    private func answer(_ q: [UInt8], overTCP: Bool) -> [UInt8]? {
        guard q.count > 12 else { return nil }
        var labels: [String] = []
        var i = 12
        while i < q.count, q[i] != 0 {
            let n = Int(q[i])
            guard i + 1 + n <= q.count else { return nil }
            labels.append(String(decoding: q[(i + 1)...(i + n)], as: UTF8.self))
            i += 1 + n
        }
        guard i + 5 <= q.count else { return nil }
        let questionEnd = i + 5
        let type = UInt16(q[i + 1]) << 8 | UInt16(q[i + 2])
        let name = labels.joined(separator: ".").lowercased()
        asked.withLock { $0.append("\(name) \(type)\(overTCP ? " tcp" : "")") }
        var flags: UInt16 = 0x8180
        var records: [[UInt8]] = []
        var ttl: UInt32 = 0
        switch names.withLock({ $0[name] }) {
        case nil, .nxdomain?: flags |= 3
        case .silent?: return nil
        case .addresses(let list, let t)?: records = list; ttl = t
        case .slow(let list, let millis)?:
            usleep(UInt32(millis) * 1000)
            records = list; ttl = 60
        case .truncated(let list)?:
            if overTCP { records = list; ttl = 60 } else { flags |= 0x0200 }
        }
        if type != 1 { records = [] }
        var out = Array(q[0..<2]) + [UInt8(flags >> 8), UInt8(flags & 0xFF), 0, 1, 0, UInt8(records.count), 0, 0, 0, 0]
        out += q[12..<questionEnd]
        for r in records {
            out += [0xC0, 12, 0, 1, 0, 1, UInt8(ttl >> 24), UInt8((ttl >> 16) & 0xFF), UInt8((ttl >> 8) & 0xFF), UInt8(ttl & 0xFF), 0, 4]
            out += r
        }
        return out
    }

    private static func bound(_ kind: __socket_type, port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(kind.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); return -1 }
        return fd
    }

    private static func localPort(_ fd: Int32) -> UInt16 {
        var a = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: a.sin_port)
    }
}

private struct UncheckedBox<T>: @unchecked Sendable { let value: T; init(_ v: T) { value = v } }
