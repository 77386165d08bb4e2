/// Read buffers a worker keeps between requests. A keep-alive connection frees its input buffer when it goes
/// idle, so an idle client holds no memory; under load the next request then mallocs it again at once. Sizes
/// above glibc's tcache (1 KiB) take malloc's slow path both ways, about 400 instructions a request
/// (callgrind, return200). An `IOBuffer` made with a shelf gives a block of the shelf's size back to it
/// instead, and takes one from it before asking malloc. Bounded: beyond `limit` blocks, free() as before, so
/// idle connections still cost nothing and the shelf at most `limit × blockSize`.
///
/// One thread's: a worker's connections share its shelf on its loop.
public final class BufferShelf {
    public let blockSize: Int
    public let limit: Int
    private var blocks: [ByteStorage] = []

    public init(blockSize: Int, limit: Int) {
        self.blockSize = blockSize
        self.limit = limit
        blocks.reserveCapacity(limit)
    }

    public var count: Int { blocks.count }

    /// One more block of `blockSize`, never lent: for a relay that reads into it and writes from it within one
    /// call (an upgraded connection's, Tunnel.swift), so it is empty between calls and one serves every user of
    /// the shelf. Allocated at its first read.
    public private(set) lazy var scratch = IOBuffer(initialCapacity: blockSize)

    /// A block of `blockSize` bytes, if one is kept.
    func take() -> ByteStorage? { blocks.popLast() }

    /// Keeps `block` (of `blockSize` bytes); false when the shelf is full and the caller frees it.
    func keep(_ block: ByteStorage) -> Bool {
        guard blocks.count < limit else { return false }
        blocks.append(block)
        return true
    }

    deinit { for b in blocks { b.deallocate() } }
}
