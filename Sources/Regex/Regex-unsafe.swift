// The only file in the module that touches pcre2: code and match-data lifetimes live here.
private import CPCRE2

/// A pcre2 pattern compiled once (with JIT when available) and shared by every worker.
///
/// Compiled code is read-only and safe to share across threads; each thread matches with its own
/// `MatchData`.
///
///     let re = try Regex(#"\.(gif|jpg)$"#, caseless: true)
///     let md = re.makeMatchData()
///     if re.matches(Array("/a.GIF".utf8), with: md) { print(md.range(1)!) }
public final class Regex: @unchecked Sendable {
    /// The pattern as written in the configuration.
    public let pattern: String
    /// Whether the pattern was compiled with PCRE2_CASELESS (nginx's `~*`).
    public let caseless: Bool
    /// The number of capture groups (not counting group 0, the whole match).
    public let captureCount: Int
    /// Named groups in pattern order: `(?<route>…)` gives `("route", 1)`.
    public let namedGroups: [(name: String, index: Int)]

    private let code: OpaquePointer

    /// Compiles `pattern`; throws the pcre2 message and offset, as nginx reports them.
    public init(_ pattern: String, caseless: Bool = false) throws(RegexError) {
        let bytes = Array(pattern.utf8)
        var errorCode: Int32 = 0
        var errorOffset = 0
        let options: UInt32 = caseless ? UInt32(PCRE2_CASELESS) : 0
        let compiled = bytes.withUnsafeBufferPointer { buffer in
            cswy_pcre2_compile(buffer.baseAddress, buffer.count, options, &errorCode, &errorOffset)
        }
        guard let compiled else {
            throw RegexError(pattern: pattern, message: Regex.message(for: errorCode), offset: errorOffset)
        }
        // JIT failure is not an error: the interpreter gives the same answers, only slower.
        _ = cswy_pcre2_jit_compile(compiled)
        self.code = compiled
        self.pattern = pattern
        self.caseless = caseless
        var count: UInt32 = 0
        _ = cswy_pcre2_pattern_info(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        self.captureCount = Int(count)
        self.namedGroups = Regex.readNames(compiled)
    }

    deinit { cswy_pcre2_code_free(code) }

    /// The index of the named group `name`, if the pattern has one.
    public func groupIndex(named name: String) -> Int? {
        namedGroups.first { $0.name == name }?.index
    }

    /// Match data sized for this pattern; reuse it for every match on one thread.
    public func makeMatchData() -> MatchData { MatchData(code: code) }

    /// Matches `subject` (no copy); on success `matchData` holds the capture ranges.
    public func matches(_ subject: UnsafeRawBufferPointer, with matchData: MatchData) -> Bool {
        let rc: Int32
        if let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            rc = cswy_pcre2_match(code, base, subject.count, 0, 0, matchData.pointer)
        } else {
            // pcre2 wants a non-null pointer even for an empty subject.
            var empty: UInt8 = 0
            rc = cswy_pcre2_match(code, &empty, 0, 0, 0, matchData.pointer)
        }
        matchData.groupCount = rc > 0 ? Int(rc) : 0
        return rc > 0
    }

    /// Matches a byte array; see `matches(_:with:)`.
    public func matches(_ subject: [UInt8], with matchData: MatchData) -> Bool {
        subject.withUnsafeBytes { matches($0, with: matchData) }
    }

    /// Convenience for configuration-time checks and tests: matches with fresh match data.
    public func firstMatch(in subject: [UInt8]) -> [Range<Int>?]? {
        let matchData = makeMatchData()
        guard matches(subject, with: matchData) else { return nil }
        return (0...captureCount).map { matchData.range($0) }
    }

    private static func message(for errorCode: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer {
            cswy_pcre2_get_error_message(errorCode, $0.baseAddress, $0.count)
        }
        guard length > 0 else { return "error \(errorCode)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }

    /// Reads pcre2's name table: each entry is a 2-byte big-endian group number then the NUL-ended name.
    private static func readNames(_ code: OpaquePointer) -> [(name: String, index: Int)] {
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>? = nil
        _ = cswy_pcre2_pattern_info(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        guard count > 0 else { return [] }
        _ = cswy_pcre2_pattern_info(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        _ = cswy_pcre2_pattern_info(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard let table else { return [] }
        var names: [(name: String, index: Int)] = []
        for entry in 0..<Int(count) {
            let row = table + entry * Int(entrySize)
            let index = Int(row[0]) << 8 | Int(row[1])
            var nameBytes: [UInt8] = []
            var cursor = row + 2
            while cursor.pointee != 0 {
                nameBytes.append(cursor.pointee)
                cursor += 1
            }
            names.append((String(decoding: nameBytes, as: UTF8.self), index))
        }
        return names.sorted { $0.index < $1.index }
    }
}

/// Per-thread match state for one `Regex` (pcre2 match data is not thread-safe).
public final class MatchData {
    fileprivate let pointer: OpaquePointer
    /// How many groups the last successful match set (0 after a failed match).
    public fileprivate(set) var groupCount = 0

    fileprivate init(code: OpaquePointer) {
        guard let pointer = cswy_pcre2_match_data_create_from_pattern(code) else {
            fatalError("pcre2_match_data_create_from_pattern: out of memory")
        }
        self.pointer = pointer
    }

    deinit { cswy_pcre2_match_data_free(pointer) }

    /// The byte range of group `index` in the last matched subject, nil if the group did not take part.
    public func range(_ index: Int) -> Range<Int>? {
        guard index >= 0, index < groupCount else { return nil }
        let ovector = cswy_pcre2_get_ovector_pointer(pointer)!
        let start = ovector[2 * index]
        let end = ovector[2 * index + 1]
        // PCRE2_UNSET marks a group that did not participate.
        guard start != Int.max, start != ~0, start <= end else { return nil }
        return start..<end
    }
}

/// A pattern pcre2 rejected, rendered in nginx's words:
/// `pcre2_compile() failed: missing closing parenthesis in "(a"`.
public struct RegexError: Error, Sendable, CustomStringConvertible {
    public let pattern: String
    public let message: String
    /// Byte offset in the pattern where pcre2 gave up.
    public let offset: Int

    /// nginx omits `at "…"` when pcre2 stopped at the end of the pattern.
    public var description: String {
        let bytes = Array(pattern.utf8)
        guard offset < bytes.count else { return "pcre2_compile() failed: \(message) in \"\(pattern)\"" }
        let rest = String(decoding: bytes[offset...], as: UTF8.self)
        return "pcre2_compile() failed: \(message) in \"\(pattern)\" at \"\(rest)\""
    }
}
