import CZlib
import Glibc

// zlib's pointers: the only file in the engine that holds a `z_stream`, hands buffers to zlib, or owns the
// memory zlib writes into. `GzipEncoder` and `Inflater` keep their state in their own files; their buffer
// calls (`encode`, `step`, `decode`) are here as extensions, and `DeflateOutput` is the output space the gzip
// filter frames in place.

/// The memory one zlib stream works in, for `GzipEncoder` and `Inflater`: the `z_stream` (zlib keeps a
/// back-pointer to it, so it is allocated once and never moves) and the fixed scratch buffer zlib writes output
/// into. A value: the owner calls `release()` once, after `endDeflate`/`endInflate` (or when the start failed).
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

    /// `deflateInit2` for gzip output (windowBits + 16: gzip header and trailer); on failure the memory is
    /// released and zlib's code thrown.
    func startDeflate(level: Int32, windowBits: Int32, memLevel: Int32) throws(DeflateError) {
        let rc = cswy_deflateInit2(stream, level, Z_DEFLATED, windowBits + 16, memLevel, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            release()
            throw DeflateError(.initFailed, code: rc)
        }
    }

    /// `inflateInit2`; on failure the memory is released and zlib's code thrown.
    func startInflate(windowBits: Int32) throws(DeflateError) {
        let rc = cswy_inflateInit2(stream, windowBits)
        guard rc == Z_OK else {
            release()
            throw DeflateError(.initFailed, code: rc)
        }
    }

    func endDeflate() { deflateEnd(stream) }
    func endInflate() { inflateEnd(stream) }
}

// MARK: - GzipEncoder's buffers

extension GzipEncoder {
    private var stream: UnsafeMutablePointer<z_stream> { memory.stream }
    private var scratch: UnsafeMutablePointer<UInt8> { memory.scratch }

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

    /// `bytes` as one complete gzip member (nginx's `access_log … gzip`: each flushed buffer is a member, and
    /// concatenated members are one valid gzip file). Empty when zlib cannot allocate its state.
    public static func member(_ bytes: [UInt8], level: Int) -> [UInt8] {
        guard let encoder = try? GzipEncoder(level: level, windowBits: 15, memLevel: 8) else { return [] }
        var out: [UInt8] = []
        bytes.withUnsafeBytes { encoder.encode($0, end: true, into: &out) }
        return out
    }
}

// MARK: - Inflater's buffers

extension Inflater {
    private var stream: UnsafeMutablePointer<z_stream> { memory.stream }
    private var scratch: UnsafeMutablePointer<UInt8> { memory.scratch }

    /// Decompresses `input`, appending the plain bytes to `output`. Returns how many input bytes were
    /// consumed: fewer than `input.count` when the stream ended inside `input`, or when `output` grew by
    /// `limit` bytes or more (checked after each scratch buffer). A caller that bounds its output calls again
    /// with the rest; zlib may also hold output for input it already took, which a call with no input drains.
    @discardableResult
    public func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int = .max) throws(DeflateError) -> Int {
        guard !isFinished else {
            if input.isEmpty { return 0 }
            throw DeflateError(.afterEnd, code: 0)
        }
        let stop = limit == .max ? .max : output.count + limit
        var used = 0
        // avail_in is 32-bit: feed huge buffers in slices. An empty input still runs once: it drains.
        repeat {
            let n = min(input.count - used, Int(Int32.max))
            let taken = try run(UnsafeRawBufferPointer(rebasing: input[used..<used + n]), into: &output, stop: stop)
            used += taken
            if (taken < n && !isFinished) || output.count >= stop { break }  // no progress, or the output's bound
        } while used < input.count && !isFinished
        return used
    }

    /// `decode` for bytes in contiguous memory (a `ByteView`, an array slice), so its callers hold no pointer.
    @discardableResult
    public func decode(contiguous input: some Collection<UInt8>, into output: inout [UInt8], limit: Int = .max)
        throws(DeflateError) -> Int
    {
        var result: Result<Int, DeflateError> = .success(0)
        let direct: Void? = input.withContiguousStorageIfAvailable { bytes in
            do throws(DeflateError) { result = .success(try decode(UnsafeRawBufferPointer(bytes), into: &output, limit: limit)) } catch {
                result = .failure(error)
            }
        }
        if direct == nil { return try decode(contiguous: Array(input), into: &output, limit: limit) }
        return try result.get()
    }

    /// Inflates until zlib took all of `input` and had room to spare, or `output` reached `stop` bytes.
    private func run(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], stop: Int) throws(DeflateError) -> Int {
        // An empty buffer may have no address: zlib accepts a null `next_in` with nothing available.
        stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
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
                if (stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0) || (rc == Z_BUF_ERROR && produced == 0)
                    || output.count >= stop
                {
                    bytesIn += consumed
                    return consumed
                }
            default:
                throw DeflateError(.corruptInput, code: rc)
            }
        }
    }
}

// MARK: - Output space for in-place framing

/// Reusable space `GzipEncoder.step` writes into, with `headRoom` bytes before the payload and `tailRoom`
/// after it, so the caller frames a piece in place (the gzip filter: an HTTP/1.1 chunk-size line and CRLF)
/// and hands it on with no copy. malloc'd on first use of `space`, freed by `release()` or at deinit.
/// `@inlinable`: the gzip filter frames through it byte by byte, as it did when it held the pointer itself.
public final class DeflateOutput {
    public let headRoom: Int
    public let capacity: Int
    public let tailRoom: Int
    @usableFromInline var base: UnsafeMutableRawPointer?
    /// Payload bytes written so far.
    public private(set) var count = 0

    public init(headRoom: Int, capacity: Int, tailRoom: Int) {
        self.headRoom = headRoom
        self.capacity = capacity
        self.tailRoom = tailRoom
    }

    deinit { free(base) }

    @inlinable public var isFull: Bool { count == capacity }

    /// The free payload space; commit what was written with `didWrite`.
    @inlinable
    public var space: UnsafeMutableRawBufferPointer {
        if base == nil { allocate() }
        return UnsafeMutableRawBufferPointer(start: base! + headRoom + count, count: capacity - count)
    }

    @usableFromInline func allocate() {
        guard let p = malloc(headRoom + capacity + tailRoom) else { fatalError("gzip: out of memory") }
        base = p
    }

    public func didWrite(_ n: Int) {
        precondition(count + n <= capacity)
        count += n
    }

    /// Stores `byte` at `offset` from the payload's first byte: negative in the head room, `count` and on in
    /// the tail room. The space must have been allocated (`space` was read).
    @inlinable
    public func store(_ byte: UInt8, at offset: Int) {
        assert(offset >= -headRoom && offset < capacity + tailRoom, "DeflateOutput: store outside the space")
        base!.storeBytes(of: byte, toByteOffset: headRoom + offset, as: UInt8.self)
    }

    /// `length` bytes from `offset` (relative to the payload, as in `store`), valid until the next `space`
    /// after `empty()`, or `release()`.
    @inlinable
    public func bytes(from offset: Int, count length: Int) -> UnsafeRawBufferPointer {
        assert(offset >= -headRoom && offset + length <= capacity + tailRoom, "DeflateOutput: bytes outside the space")
        return UnsafeRawBufferPointer(start: base! + headRoom + offset, count: length)
    }

    /// Forgets the payload (it was handed on); the space is kept.
    public func empty() { count = 0 }

    /// Frees the space (the stream has ended); a later `space` allocates again.
    public func release() {
        free(base); base = nil; count = 0
    }
}
