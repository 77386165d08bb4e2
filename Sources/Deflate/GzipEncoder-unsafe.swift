internal import CZlib  // internal: ZStreamMemory below hands z_stream pointers to Inflater too

/// A streaming gzip compressor: one `z_stream` per response, owned by one thread (not `Sendable`).
///
///     let enc = try GzipEncoder(level: 6, windowBits: 15, memLevel: 8)
///     var out: [UInt8] = []
///     chunk.withUnsafeBytes { enc.encode($0, flush: false, end: false, into: &out) }
///     enc.finish(into: &out)   // trailer; idempotent
///
/// zlib writes into one fixed scratch buffer that is appended to `output`, so the encoder's own
/// memory is constant whatever the body size; `output` grows only by the compressed bytes produced
/// by this call. zlib's state is released as soon as the stream ends (as nginx does), not at deinit.
/// This file (with `ZStreamMemory`, shared with `Inflater`) and `Inflater-unsafe.swift` are the only places that
/// touch zlib pointers.
///
/// `step(_:flush:into:)` is the copy-free form: zlib writes into space the caller owns (the engine's
/// chunk buffer), for the hot path; `encode(_:flush:end:into:)` appends to an array, for everything else.
public final class GzipEncoder {
    /// Scratch size per `deflate()` call; nginx's default gzip buffer is one page to 8 KiB, 16 KiB
    /// halves the number of calls on big bodies without mattering for memory.
    public static let scratchSize = 16 * 1024

    private let memory: ZStreamMemory
    private var stream: UnsafeMutablePointer<z_stream> { memory.stream }
    private var scratch: UnsafeMutablePointer<UInt8> { memory.scratch }
    private var open: Bool

    /// Uncompressed bytes consumed so far.
    public private(set) var bytesIn = 0
    /// Compressed bytes produced so far, gzip header and trailer included.
    public private(set) var bytesOut = 0
    /// True once the gzip trailer has been written (after `end: true` or `finish`).
    public var isFinished: Bool { !open }

    /// - Parameters: level 1...9 (`gzip_comp_level`); windowBits 9...15 and memLevel 1...9 (see
    ///   `GzipMemory.parameters`). Out-of-range values are clamped, so only `Z_MEM_ERROR` throws.
    public init(level: Int, windowBits: Int, memLevel: Int) throws(DeflateError) {
        let memory = ZStreamMemory(scratchSize: Self.scratchSize)
        let level = Int32(min(max(level, 0), 9))
        let wbits = Int32(min(max(windowBits, 9), 15)) + 16  // +16: gzip header and trailer
        let mem = Int32(min(max(memLevel, 1), 9))
        let rc = cswy_deflateInit2(memory.stream, level, Z_DEFLATED, wbits, mem, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            memory.release()
            throw DeflateError(.initFailed, code: rc)
        }
        self.memory = memory
        open = true
    }

    deinit {
        if open { deflateEnd(stream) }
        memory.release()
    }

    /// Compresses all of `input`, appending whatever zlib emits to `output`.
    /// - `flush`: `Z_SYNC_FLUSH`, so everything given so far becomes decodable by the client now
    ///   (used when the upstream pauses; costs a few bytes per flush).
    /// - `end`: writes the trailer and frees zlib's state; later calls must pass no bytes.
    public func encode(_ input: UnsafeRawBufferPointer, flush: Bool = false, end: Bool = false, into output: inout [UInt8]) {
        guard open else {
            precondition(input.isEmpty, "GzipEncoder.encode: bytes after end of stream")
            return
        }
        var rest = input
        // avail_in is 32-bit: feed huge buffers in slices.
        while rest.count > Int(Int32.max) {
            run(UnsafeRawBufferPointer(rebasing: rest[..<Int(Int32.max)]), mode: Z_NO_FLUSH, into: &output)
            rest = UnsafeRawBufferPointer(rebasing: rest[Int(Int32.max)...])
        }
        run(rest, mode: end ? Z_FINISH : (flush ? Z_SYNC_FLUSH : Z_NO_FLUSH), into: &output)
        if end {
            deflateEnd(stream)
            open = false
        }
    }

    /// Ends the stream (writes the 8-byte trailer). Calling it again does nothing.
    public func finish(into output: inout [UInt8]) {
        guard open else { return }
        encode(UnsafeRawBufferPointer(start: nil, count: 0), end: true, into: &output)
    }

    /// One `deflate()` call reading `input` and writing straight into `output` (caller-owned space, so
    /// the compressed bytes need no intermediate copy). Returns the bytes consumed and produced, and
    /// `complete`: everything in `input` was taken and nothing is pending for `flush` — call again with
    /// the rest of `input` and fresh space until it is. `.finish` completes at the trailer and frees
    /// zlib's state; after that only empty calls are allowed.
    public func step(_ input: UnsafeRawBufferPointer, flush: GzipFlush,
                     into output: UnsafeMutableRawBufferPointer) -> (consumed: Int, produced: Int, complete: Bool) {
        guard open else {
            precondition(input.isEmpty, "GzipEncoder.step: bytes after end of stream")
            return (0, 0, true)
        }
        precondition(output.count > 0, "GzipEncoder.step: no output space")
        let inCount = min(input.count, Int(Int32.max))   // avail_in and avail_out are 32-bit
        let outCount = min(output.count, Int(Int32.max))
        // A flush applies only once the last of `input` is handed to zlib.
        let mode = inCount < input.count ? Z_NO_FLUSH : (flush == .finish ? Z_FINISH : (flush == .sync ? Z_SYNC_FLUSH : Z_NO_FLUSH))
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = uInt(inCount)
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(outCount)
        let rc = deflate(stream, mode)
        // Z_BUF_ERROR only means "no progress possible" (e.g. a second flush with nothing new): not an error.
        precondition(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR, "deflate() failed: \(rc)")
        let consumed = inCount - Int(stream.pointee.avail_in)
        let produced = outCount - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        bytesIn += consumed
        bytesOut += produced
        if rc == Z_STREAM_END {
            deflateEnd(stream)
            open = false
            return (consumed, produced, consumed == input.count)
        }
        // Done when zlib took all input and did not fill the space (nothing left pending for this flush).
        return (consumed, produced, consumed == input.count && produced < outCount && flush != .finish)
    }

    private func run(_ input: UnsafeRawBufferPointer, mode: Int32, into output: inout [UInt8]) {
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = uInt(input.count)
        while true {
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = uInt(Self.scratchSize)
            let rc = deflate(stream, mode)
            // Z_BUF_ERROR only means "no progress possible": not an error (zlib.h).
            precondition(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR, "deflate() failed: \(rc)")
            let produced = Self.scratchSize - Int(stream.pointee.avail_out)
            if produced > 0 {
                output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced))
                bytesOut += produced
            }
            if rc == Z_STREAM_END { break }
            // Done when zlib took all input and did not fill the scratch (nothing left pending).
            if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 && mode != Z_FINISH { break }
            if rc == Z_BUF_ERROR && stream.pointee.avail_in == 0 && produced == 0 { break }
        }
        bytesIn += input.count
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
    }
}

/// How much a `GzipEncoder.step` must push out: nothing (zlib decides), everything so far (`Z_SYNC_FLUSH`,
/// decodable by the client now), or everything plus the trailer (`Z_FINISH`).
public enum GzipFlush: Sendable {
    case none
    case sync
    case finish
}

extension GzipEncoder {
    /// `bytes` as one complete gzip member (nginx's `access_log … gzip`: each flushed buffer is a member, and
    /// concatenated members are one valid gzip file). Empty when zlib cannot allocate its state.
    public static func member(_ bytes: [UInt8], level: Int) -> [UInt8] {
        guard let encoder = try? GzipEncoder(level: level, windowBits: 15, memLevel: 8) else { return [] }
        var out: [UInt8] = []
        bytes.withUnsafeBytes { encoder.encode($0, end: true, into: &out) }
        return out
    }
}

/// The memory one zlib stream works in, for `GzipEncoder` and `Inflater`: the `z_stream` (zlib keeps a
/// back-pointer to it, so it is allocated once and never moves) and the fixed scratch buffer zlib writes output
/// into. A value: the owner calls `release()` once, after `deflateEnd`/`inflateEnd` (or when the init failed).
struct ZStreamMemory {
    let stream: UnsafeMutablePointer<z_stream>
    let scratch: UnsafeMutablePointer<UInt8>

    init(scratchSize: Int) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = .allocate(capacity: scratchSize)
    }

    func release() {
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }
}
