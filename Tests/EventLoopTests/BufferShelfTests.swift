import EventLoop
import Testing

/// A released buffer's storage goes to its shelf and the next buffer's first reserve takes it back: the bytes'
/// address is the proof that no malloc/free pair ran in between.
@Suite struct BufferShelfTests {
    static let size = IOBuffer.firstCapacity(initialCapacity: 1024, reserving: 4096)

    @Test func releasedStorageIsTakenByTheNextBuffer() {
        let shelf = BufferShelf(blockSize: Self.size, limit: 2)
        let a = IOBuffer(initialCapacity: 1024, shelf: shelf)
        a.reserve(4096)
        #expect(a.capacity == 4096)
        let address = a.writable.baseAddress
        a.release()
        #expect(shelf.count == 1 && !a.hasStorage)
        let b = IOBuffer(initialCapacity: 1024, shelf: shelf)
        b.reserve(4096)
        #expect(b.writable.baseAddress == address && b.capacity == Self.size)
        #expect(shelf.count == 0)
    }

    @Test func aFullShelfOrAnotherSizeFreesInstead() {
        let shelf = BufferShelf(blockSize: Self.size, limit: 1)
        let buffers = (0..<3).map { _ in IOBuffer(initialCapacity: 1024, shelf: shelf) }
        for b in buffers { b.reserve(4096) }
        for b in buffers { b.release() }
        #expect(shelf.count == 1)
        // Grown past the shelf's size (a long head): freed, not kept.
        let roomy = BufferShelf(blockSize: Self.size, limit: 4)
        let big = IOBuffer(initialCapacity: 1024, shelf: roomy)
        big.reserve(32 * 1024)
        big.release()
        #expect(roomy.count == 0)
        // A buffer needing more than the block holds never takes one.
        let wide = IOBuffer(initialCapacity: 1024, shelf: shelf)
        wide.reserve(8192)
        #expect(wide.capacity == 8192 && shelf.count == 1)
    }

    @Test func aDroppedBufferGivesItsStorageBackToo() {
        let shelf = BufferShelf(blockSize: Self.size, limit: 4)
        do {
            let a = IOBuffer(initialCapacity: 1024, shelf: shelf)
            a.reserve(4096)
            a.append([1, 2, 3])
        }
        #expect(shelf.count == 1)
    }

    /// A buffer that changed jobs (an upgraded connection's relay buffer) borrows from another shelf: it takes a
    /// block only while it has no storage, gives blocks of that shelf's size back to it, and anything else to
    /// its own shelf or free().
    @Test func aBufferCanBorrowFromAnotherShelf() {
        let own = BufferShelf(blockSize: Self.size, limit: 4)
        let relay = BufferShelf(blockSize: 16 * 1024, limit: 1)
        let b = IOBuffer(initialCapacity: 1024, shelf: own)
        b.take(from: relay)
        #expect(!b.hasStorage)   // the relay shelf is empty: nothing taken, the read will malloc
        b.reserve(16 * 1024)
        let address = b.writable.baseAddress
        b.release(to: relay)
        #expect(relay.count == 1 && own.count == 0 && !b.hasStorage)
        b.take(from: relay)
        #expect(b.writable.baseAddress == address && b.capacity == 16 * 1024 && relay.count == 0)
        b.append([1, 2, 3])
        b.take(from: relay)   // holds storage already: no change
        #expect(b.readableCount == 3 && b.writable.baseAddress == address.map { $0 + 3 })
        b.consume(3)
        // Storage of the buffer's own size goes to its own shelf; the relay shelf is not its size.
        b.release(to: relay)
        b.reserve(4096)
        b.release(to: relay)
        #expect(own.count == 1 && relay.count == 1)
    }
}
