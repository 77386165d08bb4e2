import Glibc

/// A growable byte buffer with a read cursor, backed by malloc'd storage (NIO ByteBuffer idea, much smaller).
///
/// One of the few files with unsafe pointer code. Readable bytes are `storage[head..<tail]`. The storage is
/// released with `release()` when a connection goes idle, so an idle keep-alive client costs no buffer.
public final class IOBuffer {
    private var storage: UnsafeMutableRawPointer?
    public private(set) var capacity: Int
    public private(set) var head = 0
    public private(set) var tail = 0
    /// The capacity allocated on first use.
    public let initialCapacity: Int

    public init(initialCapacity: Int) {
        self.initialCapacity = max(initialCapacity, 64)
        self.capacity = 0
    }

    deinit { free(storage) }

    public var readableCount: Int { tail - head }
    public var isEmpty: Bool { tail == head }
    public var hasStorage: Bool { storage != nil }

    /// The first `n` unconsumed bytes (n ≤ readableCount). Valid until the next mutation.
    public func readablePrefix(_ n: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: readable[..<n])
    }

    /// Bytes not yet consumed. Valid until the next mutation.
    public var readable: UnsafeRawBufferPointer {
        guard let storage else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: storage + head, count: tail - head)
    }

    public func consume(_ n: Int) {
        precondition(n <= tail - head, "IOBuffer: consuming more than is readable")
        head += n
        if head == tail { head = 0; tail = 0 }
    }

    public func clear() { head = 0; tail = 0 }

    /// Frees the storage; the next write allocates `initialCapacity` again.
    public func release() {
        precondition(head == tail, "IOBuffer: releasing unread bytes")
        free(storage); storage = nil; capacity = 0; head = 0; tail = 0
    }

    /// Makes room for at least `n` more bytes at the tail, compacting first and growing only when needed.
    public func reserve(_ n: Int) {
        if capacity - tail >= n { return }
        if head > 0 {
            let count = tail - head
            if count > 0 { memmove(storage!, storage! + head, count) }
            head = 0; tail = count
            if capacity - tail >= n { return }
        }
        var newCapacity = max(capacity, initialCapacity)
        while newCapacity - tail < n { newCapacity *= 2 }
        guard let grown = realloc(storage, newCapacity) else { fatalError("IOBuffer: out of memory") }
        storage = grown; capacity = newCapacity
    }

    /// Free space at the tail (call `reserve` first); commit what was written with `didWrite`.
    public var writable: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: storage.map { $0 + tail }, count: capacity - tail)
    }

    public func didWrite(_ n: Int) {
        precondition(tail + n <= capacity)
        tail += n
    }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        reserve(bytes.count)
        memcpy(storage! + tail, bytes.baseAddress!, bytes.count)
        tail += bytes.count
    }

    public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }
    public func append(_ bytes: ArraySlice<UInt8>) { bytes.withUnsafeBytes { append($0) } }
    public func append(_ s: StaticString) {
        append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Reads once from `fd` into the tail, growing by at most `chunk` bytes. `.done(n)` means n bytes arrived.
    public func read(from fd: Int32, chunk: Int) -> IOResult {
        if capacity - tail < chunk / 2 || storage == nil { reserve(chunk) }
        let r = Syscall.read(fd, writable)
        if case .done(let n) = r { tail += n }
        return r
    }

    /// Writes readable bytes to `fd`, consuming what was written.
    public func write(to fd: Int32) -> IOResult {
        if isEmpty { return .done(0) }
        let r = Syscall.write(fd, readable)
        if case .done(let n) = r { consume(n) }
        return r
    }
}
