import Glibc
import CSystem

/// Socket system calls. With IOBuffer and Callbacks, one of the few files with unsafe pointer code
/// (sockaddr conversions).
public enum Socket {
    /// `127.0.0.1`, `::1`: an address's 4 or 16 bytes as inet_ntop prints them.
    static func text(of bytes: [UInt8], v6: Bool) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = bytes.withUnsafeBytes { inet_ntop(v6 ? AF_INET6 : AF_INET, $0.baseAddress, &buf, 64) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let call: String
        public let code: Int32
        public init(call: String, code: Int32) { self.call = call; self.code = code }
        public var description: String { "\(call) failed (\(code): \(Syscall.describe(code)))" }
    }

    private static func withSockaddr<R>(_ a: SocketAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch a.family {
        case .v4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = a.port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: a.bytes) }
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = a.port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: a.bytes) }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    static func address(from storage: UnsafePointer<sockaddr_storage>) -> SocketAddress? {
        let raw = UnsafeRawPointer(storage)
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let sin = raw.load(as: sockaddr_in.self)
            let bytes = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            return SocketAddress(family: .v4, bytes: bytes, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = raw.load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            return SocketAddress(family: .v6, bytes: bytes, port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A non-blocking listening socket with SO_REUSEADDR (and SO_REUSEPORT when asked).
    public static func listen(_ address: SocketAddress, backlog: Int32, reusePort: Bool) throws(Failure) -> Int32 {
        let af = address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(af, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw Failure(call: "socket()", code: errno) }
        setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        if reusePort { setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
        if address.family == .v6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
        let rc = withSockaddr(address) { bind(fd, $0, $1) }
        if rc != 0 { let e = errno; Syscall.close(fd); throw Failure(call: "bind() to \(address)", code: e) }
        if Glibc.listen(fd, backlog) != 0 { let e = errno; Syscall.close(fd); throw Failure(call: "listen() to \(address)", code: e) }
        return fd
    }

    public enum AcceptResult {
        case accepted(fd: Int32, peer: SocketAddress)
        case wouldBlock
        case failed(Int32)
    }

    public static func accept(_ listenFD: Int32) -> AcceptResult {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    cswy_accept4(listenFD, $0, &len, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd >= 0 {
                let peer = address(from: &storage) ?? SocketAddress(family: .v4, bytes: [0, 0, 0, 0], port: 0)
                return .accepted(fd: fd, peer: peer)
            }
            let e = errno
            if e == EINTR || e == ECONNABORTED { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(e)
        }
    }

    public enum ConnectResult {
        case connected(Int32)
        case inProgress(Int32)
        case failed(Int32)
    }

    /// Starts a non-blocking connect with TCP_NODELAY set.
    public static func connect(_ address: SocketAddress) -> ConnectResult {
        let af = address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(af, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .failed(errno) }
        setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        while true {
            let rc = withSockaddr(address) { Glibc.connect(fd, $0, $1) }
            if rc == 0 { return .connected(fd) }
            let e = errno
            if e == EINTR { continue }
            if e == EINPROGRESS { return .inProgress(fd) }
            Syscall.close(fd)
            return .failed(e)
        }
    }

    /// A blocking connection whose reads and writes give up after `timeoutSeconds` (tools and test clients,
    /// never the engine). Returns the descriptor, or the errno of the failed step.
    /// `source` binds the local end first (a test client on 127.0.0.2, 127.0.0.3 …; port 0 lets the kernel pick).
    public static func connectBlocking(_ address: SocketAddress, from source: SocketAddress? = nil,
                                       timeoutSeconds: Int) -> Result<Int32, Failure> {
        let af = address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(af, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .failure(Failure(call: "socket()", code: errno)) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if let source, withSockaddr(source, { bind(fd, $0, $1) }) != 0 {
            let e = errno
            Syscall.close(fd)
            return .failure(Failure(call: "bind() to \(source)", code: e))
        }
        if withSockaddr(address, { Glibc.connect(fd, $0, $1) }) != 0 {
            let e = errno
            Syscall.close(fd)
            return .failure(Failure(call: "connect()", code: e))
        }
        return .success(fd)
    }

    /// A socket bound to `address` that never listens, so the port is taken and a connect to it is refused
    /// (test tools: a port held for a test, a dead upstream). The bind itself has no SO_REUSEADDR, so it
    /// fails when any socket holds the port. `shareWithListeners` then sets SO_REUSEADDR, which lets one
    /// listener with SO_REUSEADDR bind beside it (Linux allows that while this socket does not listen):
    /// the port is handed over without ever being free.
    public static func hold(_ address: SocketAddress, shareWithListeners: Bool) throws(Failure) -> Int32 {
        let af = address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(af, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw Failure(call: "socket()", code: errno) }
        if withSockaddr(address, { bind(fd, $0, $1) }) != 0 {
            let e = errno
            Syscall.close(fd)
            throw Failure(call: "bind() to \(address)", code: e)
        }
        if shareWithListeners { setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1) }
        return fd
    }

    /// The outcome of a non-blocking connect once the socket is writable (0 = connected).
    public static func pendingError(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { return errno }
        return err
    }

    public static func setNoDelay(_ fd: Int32) { setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1) }

    public static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return rc == 0 ? address(from: &storage) : nil
    }

    /// Half-closes the write side (lingering close, as nginx does before closing on an error response).
    public static func shutdownWrite(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    static func resolve(host: String, port: UInt16) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0 else { return [] }
        defer { freeaddrinfo(res) }
        var out: [SocketAddress] = []
        var p = res
        while let ai = p {
            if let sa = ai.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen)))
                }
                if let a = address(from: &storage), !out.contains(a) { out.append(a) }
            }
            p = ai.pointee.ai_next
        }
        return out
    }
}
