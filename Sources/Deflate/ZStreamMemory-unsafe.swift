internal import CZlib  // internal: the struct hands z_stream pointers to its two owners in this module

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
