import Balancing
import Config
import EventLoop
import Glibc

/// `sticky cookie`'s engine half: the balancing spec (name, expiry, flags, signer) plus the `domain=`, `path=`
/// and `samesite=` values, evaluated per response when they hold variables. An evaluated domain or path that
/// would inject attributes of its own (`$host` = `a.example;Secure`) is left out with a `[warn]`.
///
///     let line = issuer.header(for: peer, request: r, unixTime: Int64(time(nil)))   // "Set-Cookie: srv_id=…\r\n"
struct StickyCookieIssuer {
    let spec: BalancerStickyCookie
    let domain: CompiledTemplate?
    let path: CompiledTemplate?
    let sameSite: CompiledTemplate?

    var isSigned: Bool { spec.signer != nil }

    func header(for peer: PeerConfig, request r: Request, unixTime: Int64) -> [UInt8] {
        header(value: spec.value(for: peer, unixTime: unixTime), request: r, unixTime: unixTime)
    }

    /// The header carrying `value` as it is: the client's own signed cookie sent back with fresh attributes.
    func header(value cookieValue: [UInt8], request r: Request, unixTime: Int64) -> [UInt8] {
        var dropped: [String] = []
        let value = spec.setCookie(
            value: cookieValue, domain: domain.map { r.evaluate($0) },
            path: path.map { r.evaluate($0) }, sameSite: sameSite.map { r.evaluate($0) }, unixTime: unixTime,
            dropped: &dropped)
        for name in dropped {
            let bad = (name == "domain" ? domain : path).map { String(decoding: r.evaluate($0), as: UTF8.self) } ?? ""
            r.connection.worker.log(
                .warn, "sticky cookie \"\(spec.name)\": \(name) \"\(Self.printable(bad))\" left out: it holds "
                    + "\";\", \",\", whitespace or a control character", r.connection)
        }
        return Array("Set-Cookie: ".utf8) + value + [13, 10]
    }

    /// The value for a log line, control bytes escaped as nginx escapes them (`\x0D`).
    static func printable(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u.value < 32 || u.value == 127 {
                let hex = Array("0123456789ABCDEF")
                out += "\\x" + String(hex[Int(u.value >> 4)]) + String(hex[Int(u.value & 15)])
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The bytes of a `sign=` file (read whole; a key file is a few lines).
    static func readKeyFile(_ path: String) throws(BalancingConfigError) -> [UInt8] {
        let fd = Syscall.openReadOnly(Array(path.utf8))
        if fd < 0 {
            let e = errno
            throw BalancingConfigError("open() \"\(path)\" failed (\(e): \(Syscall.describe(e)))")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count <= 1 << 20 {
            switch Syscall.read(fd, into: &buffer, count: buffer.count) {
            case .done(let n) where n > 0: out += buffer[0..<n]
            case .done, .eof: return out
            case .wouldBlock: throw BalancingConfigError("read() \"\(path)\" failed")
            case .error(let e): throw BalancingConfigError("read() \"\(path)\" failed (\(e): \(Syscall.describe(e)))")
            }
        }
        throw BalancingConfigError("\"\(path)\" is larger than 1 MiB: not a key file")
    }
}
