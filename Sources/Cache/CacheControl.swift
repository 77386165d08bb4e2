import ASCIIBytes
/// The `Cache-Control` directives a shared cache acts on, parsed as tokens (RFC 9111 §5.2).
///
///     CacheControl(Array("public, s-maxage=600, max-age=60".utf8)).freshness  // .seconds(600)
///     CacheControl(Array("private=\"Set-Cookie\", max-age=60".utf8)).privateFields   // [set-cookie]
///
/// nginx searches for substrings; we tokenize (a quoted argument may hold commas), and a malformed `max-age`
/// forbids caching as in nginx. A field-qualified `no-cache="x"` or `private="x"` (§5.2.2.4, §5.2.2.7) does not
/// forbid storing: the response is stored without the fields named (`CachePolicy`, `CacheStorePlan.strippedFields`).
public struct CacheControl: Sendable, Equatable {
    /// Unqualified `no-cache` (a qualified one fills `noCacheFields` instead).
    public var noCache = false
    public var noStore = false
    /// Unqualified `private` (a qualified one fills `privateFields` instead).
    public var isPrivate = false
    public var isPublic = false
    public var mustRevalidate = false
    /// `must-understand` (§5.2.2.3): stored only if this cache knows the status code's rules; then `no-store` is ignored.
    public var mustUnderstand = false
    /// The field names of `no-cache="a, b"`, lowercased.
    public var noCacheFields: [[UInt8]] = []
    /// The field names of `private="a, b"`, lowercased.
    public var privateFields: [[UInt8]] = []
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
        for element in Self.directives(value[...]) {
            let eq = element.firstIndex(of: UInt8(ascii: "="))
            let name = ASCII.lowercased(ASCII.trim(element[element.startIndex..<(eq ?? element.endIndex)]))
            let arg = eq.map { ASCII.trim(element[($0 + 1)...]) }
            switch name {
            case Array("no-cache".utf8):
                if let fields = Self.fieldNames(arg) { noCacheFields += fields } else { noCache = true }
            case Array("no-store".utf8): noStore = true
            case Array("private".utf8):
                if let fields = Self.fieldNames(arg) { privateFields += fields } else { isPrivate = true }
            case Array("public".utf8): isPublic = true
            case Array("must-revalidate".utf8), Array("proxy-revalidate".utf8): mustRevalidate = true
            case Array("must-understand".utf8): mustUnderstand = true
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

    /// The fields a stored copy must leave out: those `no-cache` and `private` name (lowercased, no duplicates).
    public var strippedFields: [[UInt8]] {
        var out: [[UInt8]] = []
        for f in noCacheFields + privateFields where !out.contains(f) { out.append(f) }
        return out
    }

    /// The comma-separated directives, a comma inside a quoted string not counting.
    static func directives(_ value: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = value.startIndex, quoted = false, escaped = false
        for i in value.indices {
            let c = value[i]
            if escaped { escaped = false; continue }
            if quoted && c == UInt8(ascii: "\\") { escaped = true; continue }
            if c == UInt8(ascii: "\"") { quoted.toggle(); continue }
            if c == UInt8(ascii: ","), !quoted {
                out.append(value[start..<i])
                start = i + 1
            }
        }
        out.append(value[start..<value.endIndex])
        return out
    }

    /// The lowercased names of a qualified `no-cache` / `private` argument (`"a, b"`, or a bare token as some
    /// origins send); nil when there is no argument, or it is not a list of field names (then it counts unqualified,
    /// the safe reading).
    static func fieldNames(_ arg: ArraySlice<UInt8>?) -> [[UInt8]]? {
        guard var a = arg, !a.isEmpty else { return nil }
        if a.first == UInt8(ascii: "\"") {
            guard a.count >= 2, a.last == UInt8(ascii: "\"") else { return nil }
            a = a.dropFirst().dropLast()
        }
        var names: [[UInt8]] = []
        for part in a.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let name = ASCII.trim(part)
            if name.isEmpty { continue }
            guard name.allSatisfy(ASCII.isTChar) else { return nil }
            names.append(ASCII.lowercased(name))
        }
        return names.isEmpty ? nil : names
    }

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
