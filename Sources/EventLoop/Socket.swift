import Glibc

/// Socket system calls. The ones that convert `sockaddr`s (bind, connect, accept, getsockname, getaddrinfo,
/// inet_ntop) are in `Kernel-unsafe.swift`.
public enum Socket {
    public struct Failure: Error, CustomStringConvertible {
        public let call: String
        public let code: Int32
        public init(call: String, code: Int32) { self.call = call; self.code = code }
        public var description: String { "\(call) failed (\(code): \(Syscall.describe(code)))" }
    }

    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// AF_INET, AF_INET6 or AF_UNIX.
    static func domain(_ address: SocketAddress) -> Int32 {
        switch address.family {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        case .unix: return AF_UNIX
        }
    }

    /// A non-blocking listening socket with SO_REUSEADDR (and SO_REUSEPORT when asked). A UNIX-domain
    /// address first clears a stale socket file (one nobody accepts on: a crash left it), and its new file is
    /// made writable by all, as nginx makes it; a live socket's file is left alone and the bind fails.
    public static func listen(_ address: SocketAddress, backlog: Int32, reusePort: Bool,
                              ipv6Only: Bool = true) throws(Failure) -> Int32 {
        let fd = socket(domain(address), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw Failure(call: "socket()", code: errno) }
        if address.family == .unix {
            removeStaleSocketFile(address)
        } else {
            setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
        }
        if address.family == .v6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, ipv6Only ? 1 : 0) }
        let rc = bind(fd, to: address)
        if rc != 0 { let e = errno; Syscall.close(fd); throw Failure(call: "bind() to \(address)", code: e) }
        if address.family == .unix, chmod(address.path, 0o666) != 0 {
            let e = errno; Syscall.close(fd); unlink(address.path); throw Failure(call: "chmod() \"\(address.path)\"", code: e)
        }
        if Glibc.listen(fd, backlog) != 0 {
            let e = errno
            Syscall.close(fd)
            if address.family == .unix { unlink(address.path) }
            throw Failure(call: "listen() to \(address)", code: e)
        }
        return fd
    }

    /// `-t`'s check of a listening address, as nginx's test binds it: a socket with SO_REUSEADDR is bound and
    /// closed at once, nothing listens. An address in use passes (the running server holds it, as nginx's test
    /// allows); any other failure (an address this machine does not have, a port the user may not bind, a
    /// socket file's missing directory) is returned. A UNIX-domain file made by the bind is removed again.
    public static func probeBind(_ address: SocketAddress, ipv6Only: Bool = true) -> Failure? {
        let fd = socket(domain(address), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return Failure(call: "socket()", code: errno) }
        defer { Syscall.close(fd) }
        if address.family != .unix { setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1) }
        if address.family == .v6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, ipv6Only ? 1 : 0) }
        if bind(fd, to: address) != 0 {
            let e = errno
            return e == EADDRINUSE ? nil : Failure(call: "bind() to \(address)", code: e)
        }
        if address.family == .unix { unlink(address.path) }
        return nil
    }

    /// Sets `options` on a listening socket, after its listen() as nginx does (a reload sets them again on a
    /// socket it keeps). What the kernel refuses is returned, `setsockopt(NAME, N) failed (…)`, for the log.
    public static func configure(_ fd: Int32, _ options: ListenerOptions, tcp isTCP: Bool) -> [String] {
        var failures: [String] = []
        func set(_ level: Int32, _ name: Int32, _ value: Int, _ label: String) {
            var v = Int32(clamping: value)
            if setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                failures.append("setsockopt(\(label), \(value)) failed (\(errno): \(Syscall.describe(errno)))")
            }
        }
        let tcp = Int32(IPPROTO_TCP)
        if let n = options.receiveBuffer { set(SOL_SOCKET, SO_RCVBUF, n, "SO_RCVBUF") }
        if let n = options.sendBuffer { set(SOL_SOCKET, SO_SNDBUF, n, "SO_SNDBUF") }
        guard isTCP else { return failures }   // a UNIX-domain socket has only the buffers
        if let k = options.keepalive {
            set(SOL_SOCKET, SO_KEEPALIVE, k.on ? 1 : 0, "SO_KEEPALIVE")
            if let n = k.idle { set(tcp, TCP_KEEPIDLE, n, "TCP_KEEPIDLE") }
            if let n = k.interval { set(tcp, TCP_KEEPINTVL, n, "TCP_KEEPINTVL") }
            if let n = k.count { set(tcp, TCP_KEEPCNT, n, "TCP_KEEPCNT") }
        }
        if let n = options.fastOpen { set(tcp, TCP_FASTOPEN, n, "TCP_FASTOPEN") }
        // 1 second, as nginx: how long a connection waited in the queue cannot be known.
        set(tcp, TCP_DEFER_ACCEPT, options.deferAccept ? 1 : 0, "TCP_DEFER_ACCEPT")
        return failures
    }

    /// Unlinks `address`'s file when it is a socket that refuses connections. Anything else (a regular
    /// file, a socket a running server accepts on) stays, and the bind reports it.
    private static func removeStaleSocketFile(_ address: SocketAddress) {
        var st = stat()
        guard lstat(address.path, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK else { return }
        // Non-blocking: a live server with a full backlog answers EAGAIN at once, and keeps its file.
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if probe < 0 { return }
        let rc = connect(probe, to: address)
        let e = errno
        Syscall.close(probe)
        if rc != 0 && e == ECONNREFUSED { unlink(address.path) }
    }

    /// Removes a UNIX-domain listener's socket file (on exit, and when a reload drops the address, as nginx
    /// does); 0 or the errno of the unlink.
    public static func removeSocketFile(_ address: SocketAddress) -> Int32 {
        guard address.family == .unix, !address.path.isEmpty else { return 0 }
        return unlink(address.path) == 0 ? 0 : errno
    }

    public enum AcceptResult {
        case accepted(fd: Int32, peer: SocketAddress)
        case wouldBlock
        case failed(Int32)
    }

    public enum ConnectResult {
        case connected(Int32)
        case inProgress(Int32)
        case failed(Int32)
        /// No socket could be made (EMFILE, ENFILE, ENOBUFS): this machine's shortage, not the peer's fault
        /// (nginx answers it with a 500, and does not count it against the server).
        case socketFailed(Int32)
        /// The bind to `ConnectOptions.source` failed (nginx answers that with a 500, not a next upstream).
        case bindFailed(Int32)
    }

    /// `proxy_socket_keepalive` and `proxy_bind` for one connection.
    public struct ConnectOptions {
        public var keepalive = false
        /// The local address to connect from (port 0: any).
        public var source: SocketAddress? = nil
        /// IP_TRANSPARENT: `source` may be an address this host does not have (the client's, for a transparent
        /// proxy; needs CAP_NET_ADMIN and routing set up for it).
        public var transparent = false
        public init(keepalive: Bool = false, source: SocketAddress? = nil, transparent: Bool = false) {
            self.keepalive = keepalive; self.source = source; self.transparent = transparent
        }
    }

    /// Starts a non-blocking connect with TCP_NODELAY set (on TCP).
    public static func connect(_ address: SocketAddress, options: ConnectOptions = ConnectOptions()) -> ConnectResult {
        let fd = socket(domain(address), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .socketFailed(errno) }
        if address.family != .unix { setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1) }
        if options.keepalive { setOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1) }
        if let source = options.source, address.family != .unix {
            if options.transparent {
                if source.family == .v6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_TRANSPARENT, 1) }
                else { setOption(fd, Int32(IPPROTO_IP), IP_TRANSPARENT, 1) }
            }
            if bind(fd, to: source) != 0 { let e = errno; Syscall.close(fd); return .bindFailed(e) }
        }
        while true {
            let rc = connect(fd, to: address)
            if rc == 0 { return .connected(fd) }
            let e = errno
            if e == EINTR { continue }
            if e == EINPROGRESS { return .inProgress(fd) }
            Syscall.close(fd)
            return .failed(e)
        }
    }

    /// A non-blocking UDP socket connected to `address` (a DNS server): `write` sends one datagram, `read` takes
    /// one, and the kernel drops datagrams from any other source address.
    public static func datagram(connectedTo address: SocketAddress) -> Result<Int32, Failure> {
        let fd = socket(domain(address), Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .failure(Failure(call: "socket()", code: errno)) }
        if connect(fd, to: address) != 0 {
            let e = errno
            Syscall.close(fd)
            return .failure(Failure(call: "connect()", code: e))
        }
        return .success(fd)
    }

    /// A blocking connection whose reads and writes give up after `timeoutSeconds` (tools and test clients,
    /// never the engine). Returns the descriptor, or the errno of the failed step.
    /// `source` binds the local end first (a test client on 127.0.0.2, 127.0.0.3 …; port 0 lets the kernel pick).
    public static func connectBlocking(_ address: SocketAddress, from source: SocketAddress? = nil,
                                       timeoutSeconds: Int) -> Result<Int32, Failure> {
        let fd = socket(domain(address), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .failure(Failure(call: "socket()", code: errno)) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if let source, bind(fd, to: source) != 0 {
            let e = errno
            Syscall.close(fd)
            return .failure(Failure(call: "bind() to \(source)", code: e))
        }
        if connect(fd, to: address) != 0 {
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
        let fd = socket(domain(address), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw Failure(call: "socket()", code: errno) }
        if bind(fd, to: address) != 0 {
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

    /// TCP_INFO's fields nginx's `$tcpinfo_*` read: round-trip time and its variance (µs), the send congestion
    /// window, the receive space. nil when the call fails (a UNIX-domain socket).
    public struct TCPInfo: Sendable {
        public let rtt: UInt32, rttvar: UInt32, sendCongestionWindow: UInt32, receiveSpace: UInt32
    }

    public static func tcpInfo(_ fd: Int32) -> TCPInfo? {
        var info = tcp_info()
        var len = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &len) == 0 else { return nil }
        return TCPInfo(rtt: info.tcpi_rtt, rttvar: info.tcpi_rttvar, sendCongestionWindow: info.tcpi_snd_cwnd,
                       receiveSpace: info.tcpi_rcv_space)
    }

    public static func setNoDelay(_ fd: Int32) { setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1) }

    /// SO_LINGER on with a zero time: the close that follows sends a RST and frees the socket's buffers at once
    /// (nginx's reset_timedout_connection).
    public static func resetOnClose(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
    }

    /// Half-closes the write side (lingering close, as nginx does before closing on an error response).
    public static func shutdownWrite(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }
}
