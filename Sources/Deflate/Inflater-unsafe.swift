private import CZlib

/// A streaming decompressor for gzip, zlib or raw deflate data, that knows where the stream ends.
///
///     let inf = try Inflater(format: .gzip)
///     var plain: [UInt8] = []
///     let used = try body.withUnsafeBytes { try inf.decode($0, into: &plain) }
///     inf.isFinished  // true once the gzip trailer was checked; bytes after it are not consumed
///
/// Used by the tests and by cache revalidation paths that must look inside a stored gzip body.
/// Not `Sendable`: one instance per stream.
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

    private static let scratchSize = 16 * 1024
    private let memory: ZStreamMemory
    private var stream: UnsafeMutablePointer<z_stream> { memory.stream }
    private var scratch: UnsafeMutablePointer<UInt8> { memory.scratch }
    private var open: Bool

    /// True once the end of the compressed stream (and its checksum) has been read.
    public private(set) var isFinished = false
    public private(set) var bytesIn = 0
    public private(set) var bytesOut = 0

    public init(format: Format) throws(DeflateError) {
        let memory = ZStreamMemory(scratchSize: Self.scratchSize)
        let wbits: Int32
        switch format {
        case .gzip: wbits = 15 + 16
        case .zlib: wbits = 15
        case .raw: wbits = -15
        case .auto: wbits = 15 + 32
        }
        let rc = cswy_inflateInit2(memory.stream, wbits)
        guard rc == Z_OK else {
            memory.release()
            throw DeflateError(.initFailed, code: rc)
        }
        self.memory = memory
        open = true
    }

    deinit {
        if open { inflateEnd(stream) }
        memory.release()
    }

    /// Decompresses `input`, appending the plain bytes to `output`. Returns how many input bytes were
    /// consumed: fewer than `input.count` only when the stream ended inside `input`.
    @discardableResult
    public func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(DeflateError) -> Int {
        guard !isFinished else {
            if input.isEmpty { return 0 }
            throw DeflateError(.afterEnd, code: 0)
        }
        var used = 0
        // avail_in is 32-bit: feed huge buffers in slices.
        while used < input.count && !isFinished {
            let n = min(input.count - used, Int(Int32.max))
            let taken = try run(UnsafeRawBufferPointer(rebasing: input[used..<used + n]), into: &output)
            used += taken
            if taken < n && !isFinished { break }  // zlib made no progress: never spin
        }
        return used
    }

    private func run(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(DeflateError) -> Int {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        while true {
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = uInt(Self.scratchSize)
            let rc = inflate(stream, Z_NO_FLUSH)
            let produced = Self.scratchSize - Int(stream.pointee.avail_out)
            if produced > 0 {
                output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced))
                bytesOut += produced
            }
            let consumed = input.count - Int(stream.pointee.avail_in)
            switch rc {
            case Z_STREAM_END:
                isFinished = true
                inflateEnd(stream)
                open = false
                bytesIn += consumed
                return consumed
            case Z_OK, Z_BUF_ERROR:
                // Done when all input is taken and zlib had room to spare (nothing left pending),
                // or when zlib can make no progress at all.
                if (stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0) || (rc == Z_BUF_ERROR && produced == 0) {
                    bytesIn += consumed
                    return consumed
                }
            default:
                throw DeflateError(.corruptInput, code: rc)
            }
        }
    }
}
