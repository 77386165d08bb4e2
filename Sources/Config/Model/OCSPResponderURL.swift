/// An OCSP responder's address: `ssl_ocsp_responder`, `ssl_stapling_responder`, or a certificate's AIA URL.
/// nginx takes `http://` only (no TLS to the responder), port 80 unless given, and `/` as the path when none.
///
///     OCSPResponderURL.parse(Array("http://127.0.0.1:8083/test".utf8))   // host 127.0.0.1, port 8083, path /test
public struct OCSPResponderURL: Sendable, Equatable, Hashable {
    /// The host as written, without IPv6 brackets.
    public let host: String
    public let port: UInt16
    /// Starts with "/".
    public let path: String
    /// `Host:` of the request: the authority as written (with brackets and port, if any).
    public let hostHeader: String

    public struct Failure: Error, Equatable {
        /// nginx's words ("invalid URL prefix", "invalid port", "no host").
        public let reason: String
    }

    public static func parse(_ bytes: [UInt8]) -> Result<OCSPResponderURL, Failure> {
        let prefix = Array("http://".utf8)
        guard bytes.count > prefix.count,
              zip(bytes.prefix(prefix.count), prefix).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) else {
            return .failure(Failure(reason: "invalid URL prefix"))
        }
        let rest = bytes.dropFirst(prefix.count)
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(decoding: rest[slash...], as: UTF8.self)
        var host = authority
        var portText: ArraySlice<UInt8>? = nil
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return .failure(Failure(reason: "invalid host")) }
            host = authority[(authority.startIndex + 1)..<close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return .failure(Failure(reason: "invalid host")) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            portText = authority[(colon + 1)...]
        }
        if host.isEmpty { return .failure(Failure(reason: "no host")) }
        var port = 80
        if let digits = portText {
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return .failure(Failure(reason: "invalid port"))
            }
            port = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
            if port < 1 || port > 65535 { return .failure(Failure(reason: "invalid port")) }
        }
        return .success(OCSPResponderURL(host: String(decoding: host, as: UTF8.self), port: UInt16(port), path: path,
                                         hostHeader: String(decoding: authority, as: UTF8.self)))
    }
}
