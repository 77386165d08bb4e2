import ASCIIBytes
/// The `Cache-Control` directives a shared cache acts on, parsed as tokens (RFC 9111 §5.2).
///
///     CacheControl(Array("public, s-maxage=600, max-age=60".utf8)).freshness  // .seconds(600)
///
/// nginx searches for substrings; we tokenize, but stay as strict: a field-specific `no-cache="x"` or
/// `private="x"` still forbids caching, and a malformed `max-age` forbids it as nginx does.
public struct CacheControl: Sendable, Equatable {
    public var noCache = false
    public var noStore = false
    public var isPrivate = false
    public var isPublic = false
    public var mustRevalidate = false
    /// `s-maxage` if present, else `max-age` (a shared cache prefers s-maxage).
    public var freshness: Freshness = .absent
    /// RFC 5861 `stale-while-revalidate=N`: seconds past expiry the entry may answer while it is updated.
    public var staleWhileRevalidate: Int64 = 0
    /// RFC 5861 `stale-if-error=N`: seconds past expiry the entry may answer when the upstream fails.
    public var staleIfError: Int64 = 0

    public enum Freshness: Sendable, Equatable {
        case absent
        case seconds(Int64)
        case malformed
    }

    public init(_ value: [UInt8]) {
        var maxAge: Freshness = .absent
        var sMaxAge: Freshness = .absent
        for element in value.split(separator: UInt8(ascii: ",")) {
            let eq = element.firstIndex(of: UInt8(ascii: "="))
            let name = ASCII.lowercased(ASCII.trim(element[element.startIndex..<(eq ?? element.endIndex)]))
            let arg = eq.map { ASCII.trim(element[($0 + 1)...]) }
            switch name {
            case Array("no-cache".utf8): noCache = true
            case Array("no-store".utf8): noStore = true
            case Array("private".utf8): isPrivate = true
            case Array("public".utf8): isPublic = true
            case Array("must-revalidate".utf8), Array("proxy-revalidate".utf8): mustRevalidate = true
            case Array("max-age".utf8): maxAge = Self.seconds(arg)
            case Array("s-maxage".utf8): sMaxAge = Self.seconds(arg)
            case Array("stale-while-revalidate".utf8):
                if case .seconds(let n) = Self.seconds(arg) { staleWhileRevalidate = n }
            case Array("stale-if-error".utf8):
                if case .seconds(let n) = Self.seconds(arg) { staleIfError = n }
            default: break
            }
        }
        freshness = sMaxAge != .absent ? sMaxAge : maxAge
        hasSMaxAge = sMaxAge != .absent
    }

    /// True if `s-maxage` was given (RFC 9111 §3.5: lets a shared cache serve Authorization requests).
    public private(set) var hasSMaxAge = false

    /// Forbids storing in a shared cache.
    public var forbidsStoring: Bool { noCache || noStore || isPrivate }

    private static func seconds(_ arg: ArraySlice<UInt8>?) -> Freshness {
        guard var a = arg, !a.isEmpty else { return .malformed }
        if a.first == UInt8(ascii: "\""), a.last == UInt8(ascii: "\""), a.count >= 2 { a = a.dropFirst().dropLast() }
        var n: Int64 = 0
        for b in a {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return .malformed }
            n = n > Int64.max / 20 ? Int64.max / 20 : n * 10 + Int64(b - UInt8(ascii: "0"))
        }
        return a.isEmpty ? .malformed : .seconds(n)
    }
}
