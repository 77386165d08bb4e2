/// Where configuration text comes from: the file system in production, a dictionary in tests.
///
///     let source = InMemoryConfigSource(["/c/nginx.conf": "events {}"])
///     let config = try ConfigLoader(source: source).load(file: "/c/nginx.conf")
public protocol ConfigSource {
    /// The bytes of the file at the absolute `path`.
    func read(_ path: String) throws(ConfigSourceError) -> [UInt8]
    /// Absolute paths matching the absolute glob `pattern`, sorted as glob(3) sorts; empty when none match.
    func glob(_ pattern: String) throws(ConfigSourceError) -> [String]
}

/// A failed read in nginx's words, e.g. `open() "/c/mime.types" failed (2: No such file or directory)`.
public struct ConfigSourceError: Error, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    /// The file does not exist (ENOENT): `state` files may not exist yet.
    public var missing: Bool { message.hasSuffix("failed (2: No such file or directory)") }

    public static func open(_ path: String, errno: Int32, reason: String) -> ConfigSourceError {
        ConfigSourceError("open() \"\(path)\" failed (\(errno): \(reason))")
    }
}

/// A file system held in memory, for tests; globbing follows glob(3)'s `*`, `?` and `[…]`.
public struct InMemoryConfigSource: ConfigSource, Sendable {
    public var files: [String: [UInt8]]

    public init(_ files: [String: String]) {
        self.files = files.mapValues { Array($0.utf8) }
    }

    public init(bytes: [String: [UInt8]]) { self.files = bytes }

    public func read(_ path: String) throws(ConfigSourceError) -> [UInt8] {
        guard let bytes = files[path] else {
            throw .open(path, errno: 2, reason: "No such file or directory")
        }
        return bytes
    }

    public func glob(_ pattern: String) throws(ConfigSourceError) -> [String] {
        let pattern = Array(pattern.utf8)
        return files.keys.filter { GlobPattern.matches(pattern, Array($0.utf8)) }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}

/// fnmatch(3) with FNM_PATHNAME, enough for `include vhosts/*.conf`.
enum GlobPattern {
    static func hasMagic(_ path: String) -> Bool {
        path.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    static func matches(_ pattern: [UInt8], _ name: [UInt8]) -> Bool {
        var failed = Set<Int>()
        return match(pattern[...], name[...], &failed)
    }

    /// `failed` remembers (pattern, name) positions already known not to match: without it each `*` retries
    /// every split again, and `inc*****…*[1.conf` took exponential time (found by the config fuzzer).
    private static func match(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>, _ failed: inout Set<Int>) -> Bool {
        let key = pattern.startIndex << 32 | name.startIndex
        if failed.contains(key) { return false }
        let result = matchHere(pattern, name, &failed)
        if !result { failed.insert(key) }
        return result
    }

    private static func matchHere(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>, _ failed: inout Set<Int>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        let slash = UInt8(ascii: "/")
        switch first {
        case UInt8(ascii: "*"):
            var rest = name
            while true {
                if match(pattern.dropFirst(), rest, &failed) { return true }
                guard let next = rest.first, next != slash else { return false }
                rest = rest.dropFirst()
            }
        case UInt8(ascii: "?"):
            guard let next = name.first, next != slash else { return false }
            return match(pattern.dropFirst(), name.dropFirst(), &failed)
        case UInt8(ascii: "["):
            guard let next = name.first, next != slash,
                let (matched, rest) = matchClass(pattern.dropFirst(), next)
            else { return false }
            return matched && match(rest, name.dropFirst(), &failed)
        default:
            guard name.first == first else { return false }
            return match(pattern.dropFirst(), name.dropFirst(), &failed)
        }
    }

    /// Matches one `[…]` class; returns nil when the bracket is not closed.
    private static func matchClass(_ body: ArraySlice<UInt8>, _ byte: UInt8) -> (Bool, ArraySlice<UInt8>)? {
        var cursor = body
        var negate = false
        if let first = cursor.first, first == UInt8(ascii: "!") || first == UInt8(ascii: "^") {
            negate = true
            cursor = cursor.dropFirst()
        }
        var matched = false
        var firstInClass = true
        while let current = cursor.first {
            if current == UInt8(ascii: "]") && !firstInClass {
                return (matched != negate, cursor.dropFirst())
            }
            firstInClass = false
            cursor = cursor.dropFirst()
            if cursor.count >= 2, cursor.first == UInt8(ascii: "-"), cursor.dropFirst().first != UInt8(ascii: "]") {
                let upper = cursor.dropFirst().first!
                if current <= byte && byte <= upper { matched = true }
                cursor = cursor.dropFirst(2)
            } else if current == byte {
                matched = true
            }
        }
        return nil
    }
}
