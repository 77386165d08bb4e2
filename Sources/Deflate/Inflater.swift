/// A streaming decompressor for gzip, zlib or raw deflate data, that knows where the stream ends.
///
///     let inf = try Inflater(format: .gzip)
///     var plain: [UInt8] = []
///     let used = try inf.decode(bodyBytes, into: &plain)   // bodyBytes: a raw buffer
///     inf.isFinished  // true once the gzip trailer was checked; bytes after it are not consumed
///
/// Used by the tests and by cache revalidation paths that must look inside a stored gzip body.
/// Not `Sendable`: one instance per stream. `decode`, and everything else that touches zlib's pointers, is in
/// `Zlib-unsafe.swift`.
public final class Inflater {
    public enum Format: Sendable {
        /// RFC 1952 (`Content-Encoding: gzip`).
        case gzip
        /// RFC 1950 (`Content-Encoding: deflate` as most servers send it).
        case zlib
        /// RFC 1951 with no wrapper (what some servers wrongly send as `deflate`).
        case raw
        /// gzip or zlib, decided from the first bytes.
        case auto
    }

    static let scratchSize = 16 * 1024
    /// Internal, with `open` and the counters' setters, for the extension in `Zlib-unsafe.swift`.
    let memory: ZStreamMemory
    var open: Bool

    /// True once the end of the compressed stream (and its checksum) has been read.
    public internal(set) var isFinished = false
    public internal(set) var bytesIn = 0
    public internal(set) var bytesOut = 0

    public init(format: Format) throws(DeflateError) {
        let memory = ZStreamMemory(scratchSize: Self.scratchSize)
        let wbits: Int32
        switch format {
        case .gzip: wbits = 15 + 16
        case .zlib: wbits = 15
        case .raw: wbits = -15
        case .auto: wbits = 15 + 32
        }
        try memory.startInflate(windowBits: wbits)
        self.memory = memory
        open = true
    }

    deinit {
        if open { memory.endInflate() }
        memory.release()
    }
}
