import Config
import EventLoop
import Glibc
import HTTP1
import Locking

/// A syslog server that `error_log` and `access_log` lines go to (nginx's ngx_syslog_peer_t): each line one
/// datagram with an RFC 3164 header, `<PRI>Dec  6 15:30:00 host tag: `. The socket is made at the first line and
/// made again after a send fails (a syslog daemon restarted), as nginx's; a line that cannot go is dropped.
/// Shared by the worker threads: a datagram is one write, so lines never interleave.
final class SyslogPeer: Sendable {
    let target: SyslogTarget
    let address: SocketAddress
    private let header: [UInt8]   // " host tag: " (or " tag: "), after the priority and the date
    private let fd = Lock<Int32>(-1)

    init(_ target: SyslogTarget, address: SocketAddress) {
        self.target = target
        self.address = address
        var h: [UInt8] = [32]
        if target.sendsHostname { h += ProcessInfo.hostname; h.append(32) }
        h += Array(target.tag.utf8) + Array(": ".utf8)
        header = h
    }

    deinit { fd.withLock { if $0 >= 0 { Syscall.close($0) } } }

    /// nginx's address forms: an IP literal with an optional port, `unix:/path`, or a name resolved now (while
    /// loading); nil when the name does not resolve.
    static func address(of server: String) -> SocketAddress? {
        if server.hasPrefix("unix:") { return SocketAddress(unixPath: String(server.dropFirst(5))) }
        if let a = SocketAddress.parse(server, defaultPort: 514) { return a }
        var host = server, port: UInt16 = 514
        if let colon = server.lastIndex(of: ":"), let p = UInt16(server[server.index(after: colon)...]) {
            host = String(server[..<colon]); port = p
        }
        return SocketAddress.resolve(host: host, port: port).first
    }

    /// `<PRI>Mmm dd hh:mm:ss host tag: ` for a line of `severity` (0 emerg … 7 debug).
    func appendHeader(severity: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "<"))
        ASCIIDecimal.append(target.facility * 8 + severity, to: &out)
        out.append(UInt8(ascii: ">"))
        Self.appendDate(to: &out)
        out += header
    }

    /// Sends one line (its header already in front); false when it could not go.
    @discardableResult
    func send(_ datagram: [UInt8]) -> Bool {
        fd.withLock { fd in
            if fd < 0 {
                guard case .success(let made) = Socket.datagram(connectedTo: address) else { return false }
                fd = made
            }
            if case .done = Syscall.write(fd, datagram) { return true }
            Syscall.close(fd)   // ECONNREFUSED from a daemon gone, ENOENT of a removed socket: next line anew
            fd = -1
            return false
        }
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .map { Array($0.utf8) }

    /// `Dec  6 15:30:00` in local time (nginx's ngx_cached_syslog_time: the day padded with a space).
    static func appendDate(to out: inout [UInt8]) {
        var t = time(nil)
        var tmv = tm()
        localtime_r(&t, &tmv)
        out += months[Int(tmv.tm_mon)]
        out.append(32)
        if tmv.tm_mday < 10 { out.append(32) }
        ASCIIDecimal.append(Int(tmv.tm_mday), to: &out)
        for (i, v) in [tmv.tm_hour, tmv.tm_min, tmv.tm_sec].enumerated() {
            out.append(i == 0 ? 32 : UInt8(ascii: ":"))
            out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10))
        }
    }
}
