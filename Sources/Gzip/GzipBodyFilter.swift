public import Deflate
public import HTTP1

/// The streaming gzip body filter for one response: a `GzipEncoder` plus nginx's `gzip_buffers`
/// bound and the byte counts behind `$gzip_ratio`. Not `Sendable`: it lives on the response's loop.
///
///     let filter = try GzipBodyFilter(decision: d)
///     let used = chunk.withByteView { filter.write($0, flush: upstreamIdle, end: last, into: &out) }
///     // used < chunk.count: `out` holds gzip_buffers' worth; send it, then offer the rest again.
///     chunk.withByteView { filter.compress($0, chunked: true) { framed in send(framed) } }  // no copies
///
/// Backpressure: `write` stops taking input once `output` holds `buffers.totalBytes` or more, the way
/// nginx stops deflating while all its gzip buffers are busy. The engine keeps the unconsumed tail
/// and stops reading the upstream until the client has drained `output`. `output` can exceed the bound
/// by at most one input slice's worth of compressed bytes (one buffer size plus zlib's overhead).
public final class GzipBodyFilter {
    private let encoder: GzipEncoder
    public let buffers: GzipBuffers

    private let output: FramedChunkBuffer

    public init(level: Int, windowBits: Int, memLevel: Int, buffers: GzipBuffers) throws(DeflateError) {
        encoder = try GzipEncoder(level: level, windowBits: windowBits, memLevel: memLevel)
        self.buffers = buffers
        output = FramedChunkBuffer(capacity: min(max(buffers.totalBytes, 64), 64 * 1024))
    }

    public convenience init(decision: GzipDecision) throws(DeflateError) {
        try self.init(
            level: decision.level, windowBits: decision.windowBits, memLevel: decision.memLevel,
            buffers: decision.buffers)
    }

    /// Compresses a prefix of `input` (all of it unless the gzip_buffers bound is reached) and returns
    /// how many bytes it took. `flush` and `end` apply only once all of `input` has been taken; a
    /// call with `end` that returns `input.count` has written the gzip trailer.
    public func write(_ input: ByteView, flush: Bool = false, end: Bool = false, into output: inout [UInt8]) -> Int {
        let bound = buffers.totalBytes
        let slice = buffers.size
        var taken = 0
        while output.count < bound || input.isEmpty {
            let n = min(slice, input.count - taken)
            let last = taken + n == input.count
            input.slice(taken, taken + n).withRawBytes {
                encoder.encode($0, flush: last && flush, end: last && end, into: &output)
            }
            taken += n
            if last { break }
        }
        return taken
    }

    /// Compresses all of `input` and hands the compressed bytes to `emit` as they fill the filter's output
    /// buffer (at most `outputCapacity` bytes a piece), framed as HTTP/1.1 chunks when `chunked`. zlib
    /// writes into that one buffer, reused across calls, and `emit` sees it in place: the engine sends
    /// it (copying only what the socket does not take). Nothing is held back between calls except what
    /// zlib itself keeps; `.sync` makes everything so far decodable, `.finish` writes the trailer (and, when
    /// `chunked`, the last chunk `0\r\n\r\n` in the same piece: the body is complete).
    public func compress(_ input: ByteView, flush: GzipFlush = .none, chunked: Bool, emit: (ByteView) -> Void) {
        if encoder.isFinished {
            precondition(input.isEmpty, "GzipBodyFilter.compress: bytes after end of stream")
            return
        }
        var rest = input
        while true {
            let space = output.storage.space
            let r = rest.withRawBytes { encoder.step($0, flush: flush, into: space) }
            output.didWrite(r.produced)
            rest = rest.dropping(r.consumed)
            if r.complete || encoder.isFinished { break }
            if output.isFull { output.drain(chunked: chunked, emit) }
        }
        output.drain(chunked: chunked, last: encoder.isFinished, emit)
        if encoder.isFinished { output.release() }
    }

    /// A body held whole (a cached entry's, an answer switchyard makes) as one gzip member. Through `compress`,
    /// which hands its output on as it fills: `write` stops taking input once its caller's output holds the
    /// gzip_buffers total, and a loop that does not drain it between calls never ends.
    public func compressWhole(_ input: ByteView) -> [UInt8] {
        var out: [UInt8] = []
        compress(input, flush: .finish, chunked: false) { out.append(contentsOf: $0) }
        return out
    }

    /// Bytes of compressed output per `emit` at most: the `gzip_buffers` total, capped at 64 KiB (more
    /// would not make fewer sends: the client's output limit is 64 KiB).
    public var outputCapacity: Int { output.capacity }

    /// Ends the stream if `write(end: true)` did not already; idempotent.
    public func finish(into output: inout [UInt8]) { encoder.finish(into: &output) }

    public var isFinished: Bool { encoder.isFinished }
    /// Uncompressed bytes taken so far (nginx `zin`).
    public var bytesIn: Int { encoder.bytesIn }
    /// Compressed bytes emitted so far, header and trailer included.
    public var bytesOut: Int { encoder.bytesOut }

    /// `$gzip_ratio` once the stream has ended; nil (logged as `-`) before or when empty.
    public var ratio: GzipRatio? {
        guard encoder.isFinished else { return nil }
        // nginx counts the whole member: its 10-byte header, the deflate output and the 8-byte trailer.
        return GzipRatio(bytesIn: encoder.bytesIn, bytesOut: encoder.bytesOut)
    }
}
