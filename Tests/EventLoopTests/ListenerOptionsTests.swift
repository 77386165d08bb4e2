import EventLoop
import Glibc
import Testing

/// `listen`'s socket parameters as the kernel holds them on the listening socket, read back with getsockopt.
@Suite struct ListenerOptionsTests {
    static func option(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32 {
        var v: Int32 = -1
        var len = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(fd, level, name, &v, &len) == 0)
        return v
    }

    @Test func everyOptionReachesTheSocket() throws {
        let fd = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 16, reusePort: false)
        defer { close(fd) }
        let tcp = Int32(IPPROTO_TCP)
        let options = ListenerOptions(receiveBuffer: 65536, sendBuffer: 32768, deferAccept: true, fastOpen: 256,
                                      keepalive: .init(on: true, idle: 1800, interval: nil, count: 10))
        #expect(Socket.configure(fd, options, tcp: true).isEmpty)
        #expect(Self.option(fd, SOL_SOCKET, SO_RCVBUF) == 2 * 65536)   // the kernel doubles what it is given
        #expect(Self.option(fd, SOL_SOCKET, SO_SNDBUF) == 2 * 32768)
        #expect(Self.option(fd, SOL_SOCKET, SO_KEEPALIVE) == 1)
        #expect(Self.option(fd, tcp, TCP_KEEPIDLE) == 1800)
        #expect(Self.option(fd, tcp, TCP_KEEPCNT) == 10)
        #expect(Self.option(fd, tcp, TCP_DEFER_ACCEPT) > 0)
        #expect(Self.option(fd, tcp, TCP_FASTOPEN) == 256)

        // Set again without them (a reload that dropped `deferred` and turned keepalive off).
        #expect(Socket.configure(fd, ListenerOptions(keepalive: .init(on: false)), tcp: true).isEmpty)
        #expect(Self.option(fd, SOL_SOCKET, SO_KEEPALIVE) == 0)
        #expect(Self.option(fd, tcp, TCP_DEFER_ACCEPT) == 0)
    }

    /// `ipv6only=` matters for the wildcard only (Linux makes a socket bound to one IPv6 address v6-only):
    /// bound on `[::]` with an ephemeral port, closed at once, nothing accepted.
    @Test func ipv6OnlyIsSetBeforeTheBind() throws {
        for only in [true, false] {
            let fd = try Socket.listen(SocketAddress.parse("[::]:0")!, backlog: 16, reusePort: false, ipv6Only: only)
            #expect(Self.option(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY) == (only ? 1 : 0))
            close(fd)
        }
    }

    /// A UNIX-domain listener takes the buffers and nothing of TCP's (no failure to report).
    @Test func aUnixSocketTakesTheBuffersOnly() throws {
        let path = "/tmp/switchyard-listener-\(getpid()).sock"
        let fd = try Socket.listen(SocketAddress(unixPath: path), backlog: 16, reusePort: false)
        defer { close(fd); unlink(path) }
        #expect(Socket.configure(fd, ListenerOptions(receiveBuffer: 65536, deferAccept: true, fastOpen: 5), tcp: false).isEmpty)
        #expect(Self.option(fd, SOL_SOCKET, SO_RCVBUF) == 2 * 65536)
    }
}
