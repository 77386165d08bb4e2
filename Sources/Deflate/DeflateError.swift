/// A zlib failure, carrying zlib's return code so the engine can log it (`[alert] deflateInit2() failed: -4`).
///
/// `Z_MEM_ERROR` (-4) is the only one a correct caller can meet in production; the others mean bad
/// parameters or corrupt compressed input (`Inflater` only).
public struct DeflateError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `deflateInit2()`/`inflateInit2()` refused: out of memory or parameters out of range.
        case initFailed
        /// The compressed input is not a valid gzip/zlib/deflate stream (bad header, bad CRC, bad data).
        case corruptInput
        /// Bytes were offered after the stream had already ended.
        case afterEnd
    }

    public let kind: Kind
    /// zlib's return code (`Z_MEM_ERROR`, `Z_DATA_ERROR`, ...), 0 when zlib was not involved.
    public let code: Int32

    public init(_ kind: Kind, code: Int32) {
        self.kind = kind
        self.code = code
    }

    public var description: String {
        switch kind {
        case .initFailed: return "zlib init failed: \(code)"
        case .corruptInput: return "corrupt compressed input: \(code)"
        case .afterEnd: return "data after end of compressed stream"
        }
    }
}
