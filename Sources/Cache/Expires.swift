import HTTP1

/// The `expires` directive: `expires [modified] time | epoch | max | off | @time`.
///
///     ExpiresSetting.parse(["30d"])                 // .access(2_592_000)
///     ExpiresSetting.parse(["modified", "-1h"])     // .modified(-3600)
///     ExpiresSetting.parse(["@15h30m"])             // .daily(55_800)   ("@15:30" accepted too)
public enum ExpiresSetting: Sendable, Equatable {
    case off
    /// `Expires: Thu, 01 Jan 1970 00:00:01 GMT`, `Cache-Control: no-cache`.
    case epoch
    /// `Expires: Thu, 31 Dec 2037 23:55:55 GMT`, `Cache-Control: max-age=315360000`.
    case max
    /// Seconds from the time of the request (may be negative).
    case access(Int64)
    /// Seconds from the response's Last-Modified (from the request time when it has none).
    case modified(Int64)
    /// Seconds after local midnight: the next occurrence of that time of day.
    case daily(Int64)

    /// Parses the directive's arguments; nil if invalid (Config reports the error).
    public static func parse(_ args: [String]) -> ExpiresSetting? {
        switch args.count {
        case 1:
            switch args[0] {
            case "off": return .off
            case "epoch": return .epoch
            case "max": return .max
            default: break
            }
            if args[0].hasPrefix("@") {
                guard let t = dailyTime(String(args[0].dropFirst())), t < 86_400 else { return nil }
                return .daily(t)
            }
            return signedTime(args[0]).map { .access($0) }
        case 2 where args[0] == "modified":
            return signedTime(args[1]).map { .modified($0) }
        default:
            return nil
        }
    }

    private static func signedTime(_ s: String) -> Int64? {
        if s.hasPrefix("-") { return NginxTime.seconds(String(s.dropFirst())).map { -$0 } }
        if s.hasPrefix("+") { return NginxTime.seconds(String(s.dropFirst())) }
        return NginxTime.seconds(s)
    }

    private static func dailyTime(_ s: String) -> Int64? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let h = Int64(parts[0]), let m = Int64(parts[1]), (0..<24).contains(h), (0..<60).contains(m) {
            return h * 3600 + m * 60
        }
        return NginxTime.seconds(s)
    }
}

/// The `Expires` and `Cache-Control` values the `expires` directive sets (both replace any the
/// upstream sent).
public struct ExpiresHeaders: Sendable, Equatable {
    public var expires: String
    public var cacheControl: String

    public init(expires: String, cacheControl: String) {
        self.expires = expires
        self.cacheControl = cacheControl
    }
}

public enum Expires {
    /// nginx applies `expires` only to these statuses (`ngx_http_headers_filter`).
    public static let statuses: Set<Int> = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308]

    /// The headers to set, or nil when `expires` does not apply (off, or another status).
    /// - Parameters:
    ///   - now: the request time (Unix seconds).
    ///   - lastModified: the response's Last-Modified as Unix seconds, if any.
    ///   - utcOffset: local time zone offset in seconds, for `@time` (nginx uses local time).
    /// Follows `ngx_http_set_expires`: a zero time gives `max-age=0` with Expires = now; a negative
    /// time, or an Expires already past, gives `no-cache`.
    public static func headers(
        _ setting: ExpiresSetting, status: Int, now: Int64, lastModified: Int64? = nil, utcOffset: Int64 = 0
    ) -> ExpiresHeaders? {
        guard statuses.contains(status) else { return nil }
        let configured: Int64
        let expiresAt: Int64
        let maxAge: Int64
        switch setting {
        case .off:
            return nil
        case .epoch:
            return ExpiresHeaders(expires: "Thu, 01 Jan 1970 00:00:01 GMT", cacheControl: "no-cache")
        case .max:
            return ExpiresHeaders(expires: "Thu, 31 Dec 2037 23:55:55 GMT", cacheControl: "max-age=315360000")
        case .access(0), .modified(0):
            return ExpiresHeaders(expires: HTTPDate.text(now), cacheControl: "max-age=0")
        case .daily(let t):
            configured = t
            let localNow = now + utcOffset
            let midnight = floorDiv(localNow, 86_400) * 86_400
            var next = midnight + t
            if next - localNow <= 0 { next += 86_400 }
            expiresAt = next - utcOffset
            maxAge = expiresAt - now
        case .access(let t):
            configured = t
            expiresAt = now + t
            maxAge = t
        case .modified(let t):
            configured = t
            if let lm = lastModified {
                expiresAt = lm + t
                maxAge = expiresAt - now
            } else {
                expiresAt = now + t
                maxAge = t
            }
        }
        let cc = configured < 0 || maxAge < 0 ? "no-cache" : "max-age=\(maxAge)"
        return ExpiresHeaders(expires: HTTPDate.text(expiresAt), cacheControl: cc)
    }
}

/// nginx time strings as used by `expires` and `@time`: `30d`, `1h30m`, `90` (seconds), units
/// y M w d h m s.
enum NginxTime {
    static func seconds(_ s: String) -> Int64? {
        var total: Int64 = 0
        var n: Int64? = nil
        for c in s.utf8 {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                n = (n ?? 0) * 10 + Int64(c - UInt8(ascii: "0"))
                guard n! < 1 << 40 else { return nil }
                continue
            }
            guard let value = n else { return nil }
            let unit: Int64
            switch c {
            case UInt8(ascii: "y"): unit = 365 * 86_400
            case UInt8(ascii: "M"): unit = 30 * 86_400
            case UInt8(ascii: "w"): unit = 7 * 86_400
            case UInt8(ascii: "d"): unit = 86_400
            case UInt8(ascii: "h"): unit = 3600
            case UInt8(ascii: "m"): unit = 60
            case UInt8(ascii: "s"): unit = 1
            default: return nil
            }
            total += value * unit
            n = nil
        }
        if let value = n { total += value }
        return s.isEmpty ? nil : total
    }
}
