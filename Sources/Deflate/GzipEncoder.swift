/// A streaming gzip compressor: one `z_stream` per response, owned by one thread (not `Sendable`).
///
///     let enc = try GzipEncoder(level: 6, windowBits: 15, memLevel: 8)
///     var out: [UInt8] = []
///     enc.encode(chunkBytes, flush: false, end: false, into: &out)   // chunkBytes: a raw buffer
///     enc.finish(into: &out)   // trailer; idempotent
///
/// zlib writes into one fixed scratch buffer that is appended to `output`, so the encoder's own
/// memory is constant whatever the body size; `output` grows only by the compressed bytes produced
/// by this call. zlib's state is released as soon as the stream ends (as nginx does), not at deinit.
///
/// `step(_:flush:into:)` is the copy-free form: zlib writes into space the caller owns (the engine's
/// chunk buffer), for the hot path; `encode(_:flush:end:into:)` appends to an array, for everything else.
/// Both, and everything else that touches zlib's pointers, are in `Zlib-unsafe.swift`.
public final class GzipEncoder {
    /// Scratch size per `deflate()` call; nginx's default gzip buffer is one page to 8 KiB, 16 KiB
    /// halves the number of calls on big bodies without mattering for memory.
    public static let scratchSize = 16 * 1024

    /// Internal, with `open` and the counters' setters, for the extension in `Zlib-unsafe.swift`.
    let memory: ZStreamMemory
    var open: Bool

    /// Uncompressed bytes consumed so far.
    public internal(set) var bytesIn = 0
    /// Compressed bytes produced so far, gzip header and trailer included.
    public internal(set) var bytesOut = 0
    /// True once the gzip trailer has been written (after `end: true` or `finish`).
    public var isFinished: Bool { !open }

    /// - Parameters: level 1...9 (`gzip_comp_level`); windowBits 9...15 and memLevel 1...9 (see
    ///   `GzipMemory.parameters`). Out-of-range values are clamped, so only `Z_MEM_ERROR` throws.
    public init(level: Int, windowBits: Int, memLevel: Int) throws(DeflateError) {
        let memory = ZStreamMemory(scratchSize: Self.scratchSize)
        try memory.startDeflate(level: Int32(min(max(level, 0), 9)), windowBits: Int32(min(max(windowBits, 9), 15)),
                                memLevel: Int32(min(max(memLevel, 1), 9)))
        self.memory = memory
        open = true
    }

    deinit {
        if open { memory.endDeflate() }
        memory.release()
    }
}

/// How much a `GzipEncoder.step` must push out: nothing (zlib decides), everything so far (`Z_SYNC_FLUSH`,
/// decodable by the client now), or everything plus the trailer (`Z_FINISH`).
public enum GzipFlush: Sendable {
    case none
    case sync
    case finish
}
