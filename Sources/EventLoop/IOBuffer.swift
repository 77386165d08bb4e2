/// A growable byte buffer with a read cursor, backed by malloc'd storage (NIO ByteBuffer idea, much smaller).
///
/// Readable bytes are `storage[head..<tail]`. The storage is released with `release()` when a connection goes
/// idle, so an idle keep-alive client costs no buffer. What touches the storage's pointer (`readable`,
/// `writable`, `reserve`, `append`) is in `Kernel-unsafe.swift`.
public final class IOBuffer {
    /// Internal, with the cursors' setters, for the extension in `Kernel-unsafe.swift`.
    var storage = ByteStorage()
    public internal(set) var capacity: Int
    public internal(set) var head = 0
    public internal(set) var tail = 0
    /// The capacity allocated on first use.
    public let initialCapacity: Int
    /// Where released storage of the shelf's size goes, and where new storage comes from first.
    let shelf: BufferShelf?

    public init(initialCapacity: Int, shelf: BufferShelf? = nil) {
        self.initialCapacity = max(initialCapacity, 64)
        self.capacity = 0
        self.shelf = shelf
    }

    deinit { giveBack() }

    public var readableCount: Int { tail - head }
    public var isEmpty: Bool { tail == head }
    public var hasStorage: Bool { storage.isAllocated }

    public func consume(_ n: Int) {
        precondition(n <= tail - head, "IOBuffer: consuming more than is readable")
        head += n
        if head == tail { head = 0; tail = 0 }
    }

    public func clear() { head = 0; tail = 0 }

    /// Frees the storage; the next write allocates `initialCapacity` again. With `other` (the shelf of a buffer
    /// that changed jobs, Tunnel.swift), storage of `other`'s block size goes there when it has room, not to this
    /// buffer's own shelf.
    public func release(to other: BufferShelf? = nil) {
        precondition(head == tail, "IOBuffer: releasing unread bytes")
        let kept = other.map { storage.isAllocated && capacity == $0.blockSize && $0.keep(storage) } ?? false
        if !kept { giveBack() }
        storage = ByteStorage(); capacity = 0; head = 0; tail = 0
    }

    /// The storage goes to the shelf when it is the shelf's size and the shelf has room, else to free().
    /// Inlined: `release` runs once per keep-alive request, and the call cost return200 14 instructions.
    @inline(__always)
    private func giveBack() {
        guard storage.isAllocated else { return }
        if let shelf, capacity == shelf.blockSize, shelf.keep(storage) { return }
        storage.deallocate()
    }

    /// For a buffer that changed jobs (an upgraded connection's relay buffer, Tunnel.swift): with no storage, takes
    /// a block from `other` when it has one, so the next read needs no malloc.
    public func take(from other: BufferShelf) {
        guard !storage.isAllocated, let block = other.take() else { return }
        storage = block; capacity = other.blockSize; head = 0; tail = 0
    }

    /// What `reserve(n)` grows an empty buffer of `initialCapacity` to: the size a shelf for such buffers holds.
    public static func firstCapacity(initialCapacity: Int, reserving n: Int) -> Int {
        var c = max(initialCapacity, 64)
        while c < n { c *= 2 }
        return c
    }

    public func didWrite(_ n: Int) {
        precondition(tail + n <= capacity)
        tail += n
    }

    /// Writes readable bytes to `fd`, consuming what was written.
    public func write(to fd: Int32) -> IOResult {
        if isEmpty { return .done(0) }
        let r = Syscall.write(fd, readable)
        if case .done(let n) = r { consume(n) }
        return r
    }
}
