import ASCIIBytes
/// The one head writer: start line, header lines, final CRLF, written into one byte array's memory. No Strings,
/// no formatting machinery: literals are copied straight from the binary, numbers are written digit by digit,
/// and fields relayed from a parsed head are copied from its bytes by range. The lines themselves are in
/// HeadWriter+Lines.swift; this file holds the storage, the only pointer code of the writer.
///
/// Why raw writes: `Array.append(contentsOf:)` costs about 90 instructions a call (its generic path, a
/// uniqueness check, and a retain of an array argument, which it takes owned), and a head is 20 to 40 appends.
/// Here an append is a capacity compare and a `memcpy`. The bytes go into the array's spare capacity and are
/// committed to its count once, when the head is done (`finish`), or before code that needs the array itself
/// (`withBytes`). The writer cannot be copied: two copies would write into one buffer.
/// ```
/// var w = HeadWriter(reusing: &request.responseHead)   // the request's buffer: no allocation
/// w.appendStatusLine(200)
/// w.appendHeader("Content-Length", 42)
/// w.appendEnd()
/// request.responseHead = w.finish()
/// ```
public struct HeadWriter: ~Copyable {
    /// Owns the memory. Its `count` is the committed prefix; `count` below includes the bytes written after it.
    @usableFromInline var storage: [UInt8]
    /// `storage`'s first element, valid for `capacity` bytes while nothing but this writer touches `storage`.
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    /// Bytes written so far.
    @usableFromInline var written: Int
    @inlinable public var count: Int { written }

    @inlinable
    public init(capacity: Int = 512) {
        storage = []
        storage.reserveCapacity(Swift.max(capacity, 64))
        base = storage.withUnsafeMutableBufferPointer { $0.baseAddress! }
        self.capacity = storage.capacity
        written = 0
    }

    /// Starts writing after existing bytes.
    @inlinable
    public init(appendingTo bytes: [UInt8]) {
        storage = bytes
        storage.reserveCapacity(Swift.max(bytes.count + 256, 64))   // unique, with room
        base = storage.withUnsafeMutableBufferPointer { $0.baseAddress! }
        capacity = storage.capacity
        written = storage.count
    }

    /// Writes into `buffer`'s memory: its storage moves into the writer emptied (capacity kept) and `buffer` is
    /// left empty; hand `finish()` back when done. A buffer kept across requests makes each head without malloc;
    /// one with less than `minimumCapacity` grows once, here, instead of while writing.
    @inlinable
    public init(reusing buffer: inout [UInt8], minimumCapacity: Int = 0) {
        storage = []
        swap(&storage, &buffer)
        // Usually empty already (a request's reset empties its head): removeAll costs ~60 instructions even then.
        if !storage.isEmpty { storage.removeAll(keepingCapacity: true) }
        let wanted = Swift.max(minimumCapacity, 64)
        if storage.capacity < wanted { storage.reserveCapacity(wanted) }
        base = storage.withUnsafeMutableBufferPointer { $0.baseAddress! }
        capacity = storage.capacity
        written = 0
    }

    /// The bytes written, as an array (the writer's memory, handed over).
    @inlinable
    public consuming func finish() -> [UInt8] {
        commit()
        return storage
    }

    /// Calls `body` with the written bytes as an array it may read and change (the slow paths: a variable's
    /// value appended by code that writes arrays, a field removed again). Costs a commit and a re-read of the
    /// storage, so the hot path writes through the writer instead.
    @inlinable
    public mutating func withBytes<R>(_ body: (inout [UInt8]) throws -> R) rethrows -> R {
        commit()
        defer {
            written = storage.count
            if storage.capacity == 0 { storage.reserveCapacity(64) }
            base = storage.withUnsafeMutableBufferPointer { $0.baseAddress! }
            capacity = storage.capacity
        }
        return try body(&storage)
    }

    /// Reads the written bytes without committing them.
    @inlinable
    public func withByteView<R>(_ body: (ByteView) throws -> R) rethrows -> R {
        try body(ByteView(base: UnsafePointer(base), count: count))
    }

    /// The byte at `i` (< `count`).
    @inlinable
    public subscript(i: Int) -> UInt8 {
        precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "HeadWriter index out of range")
        return base[i]
    }

    /// Drops what was written from `newCount` on.
    @inlinable
    public mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count, "HeadWriter truncate out of range")
        if newCount < storage.count {
            withBytes { $0.removeSubrange(newCount...) }
        } else {
            written = newCount
        }
    }

    // MARK: - Raw appends

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if count == capacity { grow(1) }
        base[count] = byte
        written &+= 1
    }

    /// Two bytes in one step (CRLF, `: `).
    @inlinable @inline(__always)
    mutating func append(_ a: UInt8, _ b: UInt8) {
        if capacity &- count < 2 { grow(2) }
        base[count] = a
        base[count &+ 1] = b
        written &+= 2
    }

    /// `n` bytes from `p`.
    @inlinable @inline(__always)
    public mutating func append(_ p: UnsafePointer<UInt8>, count n: Int) {
        if capacity &- count < n { grow(n) }
        (base + count).update(from: p, count: n)
        written &+= n
    }

    /// A literal's bytes, copied from the binary (no temporary array).
    @inlinable @inline(__always)
    public mutating func append(_ literal: StaticString) {
        append(literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    @inlinable @inline(__always)
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { if let p = $0.baseAddress { append(p, count: $0.count) } }
    }

    @inlinable @inline(__always)
    public mutating func append(_ view: ByteView) {
        append(view.base, count: view.count)
    }

    /// Any bytes: one copy when they are contiguous, else byte by byte.
    @inlinable
    public mutating func append<C: Collection<UInt8>>(contentsOf c: C) {
        let done: Void? = c.withContiguousStorageIfAvailable { if let p = $0.baseAddress { append(p, count: $0.count) } }
        if done == nil {
            let n = c.count
            if capacity &- count < n { grow(n) }
            for b in c { base[count] = b; written &+= 1 }
        }
    }

    /// `source[range]`: one copy, no slice (a slice would retain `source`).
    @inlinable @inline(__always)
    public mutating func append(_ source: [UInt8], _ range: ByteRange) {
        precondition(range.start >= 0 && range.start <= range.end && range.end <= source.count, "range out of bounds")
        source.withUnsafeBufferPointer { append($0.baseAddress! + range.start, count: range.end &- range.start) }
    }

    /// Up to `n` bytes that `fill` writes into the writer's spare room (a file read straight after the head);
    /// it returns how many it wrote.
    @inlinable
    public mutating func appendFilling(upTo n: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        if capacity &- count < n { grow(n) }
        let wrote = fill(UnsafeMutableRawBufferPointer(start: base + count, count: n))
        precondition(wrote >= 0 && wrote <= n, "HeadWriter.appendFilling: more than the room given")
        written &+= wrote
    }

    /// `value` in decimal, e.g. `-42`: digits written right to left into their place.
    @inlinable
    public mutating func appendDecimal(_ value: Int64) {
        var m = value.magnitude
        var digits = 1
        var p = m
        while p >= 10 { digits &+= 1; p /= 10 }
        let n = digits &+ (value < 0 ? 1 : 0)
        if capacity &- count < n { grow(n) }
        if value < 0 { base[count] = 45 }
        var i = count &+ n &- 1
        repeat {
            base[i] = UInt8(truncatingIfNeeded: m % 10) &+ 48
            m /= 10
            i &-= 1
        } while m > 0
        written &+= n
    }

    // MARK: - Storage

    /// Makes the written bytes part of the array's count (no copy: they are already in its memory).
    @inlinable
    mutating func commit() {
        let pending = count &- storage.count
        guard pending > 0 else { return }
        storage.append(addingCapacity: pending) { (span: inout OutputSpan<UInt8>) in
            span.withUnsafeMutableBufferPointer { _, initialized in initialized = pending }
        }
    }

    /// Room for `n` more bytes: the array grows (doubling), keeping what was written.
    @usableFromInline @inline(never)
    mutating func grow(_ n: Int) {
        commit()
        storage.reserveCapacity(Swift.max(capacity &* 2, count &+ n))
        base = storage.withUnsafeMutableBufferPointer { $0.baseAddress! }
        capacity = storage.capacity
    }
}
