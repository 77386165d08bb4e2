import Digest

/// `sticky cookie NAME … sign=FILE`: cookie values a client cannot forge and that stop working at an expiry.
///
/// A signed value is `SERVERID.EXPIRY.MAC`: the server's usual cookie value, the expiry in Unix seconds (ten
/// digits), and the first 128 bits of HMAC-SHA256(key, `NAME=SERVERID.EXPIRY`) in unpadded base64url
/// (22 characters). The cookie's name is in the MAC, so a value issued for one cookie does not work as another.
/// The first key signs; every key verifies, so a key file can list the new key first and keep the old one for
/// a while (rotation without dropping sessions).
///
///     let signer = try CookieSigner(keys: [Array("0123456789abcdef0123456789abcdef".utf8)],
///                                   lifetime: .seconds(3600), cookieName: "srv_id")
///     let v = signer.issue(serverID: Array("t1".utf8), unixTime: 1_767_225_600)   // "t1.1767229200.…"
///     signer.verify(v[...], unixTime: 1_767_225_601)                               // .valid(serverIDLength: 2, …)
public struct CookieSigner: Sendable, Equatable {
    public let keys: [[UInt8]]
    /// How long an issued value verifies.
    public let lifetime: Duration
    public let cookieName: String
    private let macs: [HMACSHA256]
    private let prefix: [UInt8]
    let lifetimeSeconds: Int64

    public static let minimumKeyLength = 16
    static let expiryDigits = 10
    static let macBytes = 16
    static let macCharacters = 22
    /// `.EXPIRY.MAC` after the server id.
    static let suffixLength = 1 + expiryDigits + 1 + macCharacters

    public enum Verdict: Sendable, Equatable {
        /// The first `serverIDLength` bytes are the server id; the value verifies until `expires`.
        case valid(serverIDLength: Int, expires: Int64)
        /// Not a value any listed key signed: forged, damaged, unsigned, or signed with a retired key.
        case tampered
        /// Signed by a listed key, but past its expiry.
        case expired
    }

    public init(keys: [[UInt8]], lifetime: Duration, cookieName: String) throws(BalancingConfigError) {
        guard !keys.isEmpty else { throw BalancingConfigError("no signing keys") }
        for (n, key) in keys.enumerated() where key.count < Self.minimumKeyLength {
            throw BalancingConfigError("signing key \(n + 1) is shorter than \(Self.minimumKeyLength) bytes")
        }
        let seconds = lifetime.components.seconds
        guard seconds > 0 else { throw BalancingConfigError("the lifetime of a signed cookie must be at least 1 second") }
        self.keys = keys
        self.lifetime = lifetime
        self.cookieName = cookieName
        lifetimeSeconds = seconds
        macs = keys.map { HMACSHA256(key: $0) }
        prefix = Array(cookieName.utf8) + [UInt8(ascii: "=")]
    }

    /// The keys of a key file: one a line, the signing key first; blank lines and lines starting with `#` are
    /// skipped, surrounding whitespace is not part of a key.
    public static func keys(fromFile text: [UInt8]) throws(BalancingConfigError) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        for (n, rawLine) in text.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            var line = rawLine[...]
            while let f = line.first, f == 32 || f == 9 || f == 13 { line = line.dropFirst() }
            while let l = line.last, l == 32 || l == 9 || l == 13 { line = line.dropLast() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard line.count >= minimumKeyLength else {
                throw BalancingConfigError("the key on line \(n + 1) is shorter than \(minimumKeyLength) bytes")
            }
            keys.append(Array(line))
        }
        guard !keys.isEmpty else { throw BalancingConfigError("no keys in the key file") }
        return keys
    }

    public static func == (a: CookieSigner, b: CookieSigner) -> Bool {
        a.keys == b.keys && a.lifetime == b.lifetime && a.cookieName == b.cookieName
    }

    /// A value naming `serverID`, signed with the first key, valid for `lifetime` from `unixTime`.
    public func issue(serverID: [UInt8], unixTime: Int64) -> [UInt8] {
        var out = serverID
        out.reserveCapacity(serverID.count + Self.suffixLength)
        out.append(UInt8(ascii: "."))
        Self.appendExpiry(unixTime + lifetimeSeconds, to: &out)
        let mac = macs[0].authenticate(prefix + out)
        out.append(UInt8(ascii: "."))
        Base64.append(mac.prefix(Self.macBytes), to: &out, alphabet: Base64.url, padded: false)
        return out
    }

    /// The server id of a value `verify` found valid: what precedes its expiry and MAC.
    public static func serverID(ofVerified value: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        value.dropLast(suffixLength)
    }

    /// Checks `value` with every key.
    public func verify(_ value: ArraySlice<UInt8>, unixTime: Int64) -> Verdict {
        let n = value.count
        guard n > Self.suffixLength else { return .tampered }
        let start = value.startIndex
        let macStart = start + n - Self.macCharacters
        let expiryStart = macStart - 1 - Self.expiryDigits
        guard value[macStart - 1] == UInt8(ascii: "."), value[expiryStart - 1] == UInt8(ascii: ".") else {
            return .tampered
        }
        var expires: Int64 = 0
        for b in value[expiryStart..<(macStart - 1)] {
            guard b >= 48 && b <= 57 else { return .tampered }
            expires = expires * 10 + Int64(b - 48)
        }
        let signed = prefix + value[start..<(macStart - 1)]
        let presented = value[macStart...]
        for mac in macs {
            var expected: [UInt8] = []
            Base64.append(mac.authenticate(signed).prefix(Self.macBytes), to: &expected, alphabet: Base64.url, padded: false)
            if HMACSHA256.equal(expected, presented) {
                return expires > unixTime ? .valid(serverIDLength: expiryStart - 1 - start, expires: expires) : .expired
            }
        }
        return .tampered
    }

    static func appendExpiry(_ t: Int64, to out: inout [UInt8]) {
        var digits = [UInt8](repeating: 48, count: expiryDigits)
        var v = max(0, min(t, 9_999_999_999))
        var i = expiryDigits
        while i > 0 {
            i -= 1
            digits[i] = UInt8(48 + v % 10)
            v /= 10
        }
        out += digits
    }
}
