import ASCIIBytes
/// A read-only, bounds-checked view of bytes that someone else owns (a connection's read buffer, an array),
/// valid during the call it is handed to. The HTTP/1 head parsers read through it and through nothing else:
/// every subscript is checked; the hot scans (`firstIndex(of:from:to:)`, `scan(from:to:while:)`, the field-value
/// check) check their range once, the line-end and field-value ones reading eight bytes per step; a range leaves
/// as a copy (`array(_:_:)`).
/// The same view carries body bytes from read buffers to writers, zlib and the cache. This file, with a
/// string literal's byte view at its end, is the only place in HTTP1 that holds a pointer.
///
///     var parser = RequestHeadParser()
///     let result = wire.withByteView { parser.parse($0) }      // wire: [UInt8]
///     let result = parser.parse(ByteView(ioBuffer.readable))    // inside a read callback
public struct ByteView: RandomAccessCollection {
    /// Never dereferenced at or past `count` (an empty view points at a placeholder address).
    @usableFromInline let base: UnsafePointer<UInt8>
    public let count: Int

    /// Views `raw` for the duration of the call it is passed to; the caller keeps the memory alive.
    @inlinable
    public init(_ raw: UnsafeRawBufferPointer) {
        if let p = raw.baseAddress, raw.count > 0 {
            base = p.assumingMemoryBound(to: UInt8.self)
            count = raw.count
        } else {
            base = UnsafePointer(bitPattern: 1)!
            count = 0
        }
    }

    @usableFromInline
    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// No bytes.
    public static var empty: ByteView { ByteView(base: UnsafePointer(bitPattern: 1)!, count: 0) }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable public func index(after i: Int) -> Int { i + 1 }
    @inlinable public func index(before i: Int) -> Int { i - 1 }
    @inlinable public func distance(from start: Int, to end: Int) -> Int { end - start }
    @inlinable public func index(_ i: Int, offsetBy n: Int) -> Int { i + n }

    @inlinable
    public subscript(i: Int) -> UInt8 {
        precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "ByteView index out of range")
        return base[i]
    }

    /// Whether `other`'s bytes are at `at`, exactly: the range is checked once, then compared eight bytes a
    /// step (a cookie name, which sticky routing looks for on every request, is usually written as expected).
    @inline(__always)
    public func matches(_ other: ByteView, at: Int) -> Bool {
        precondition(at >= 0 && at <= count && other.count <= count &- at, "ByteView range out of range")
        var i = 0
        let n = other.count
        while i &+ 8 <= n {
            if UnsafeRawPointer(base + (at &+ i)).loadUnaligned(as: UInt64.self)
                != UnsafeRawPointer(other.base + i).loadUnaligned(as: UInt64.self) { return false }
            i &+= 8
        }
        while i < n {
            if base[at &+ i] != other.base[i] { return false }
            i &+= 1
        }
        return true
    }

    // Scans: the range is checked once, then the loop reads without per-byte checks (these are the parsers'
    // hot loops: every byte of every head goes through one of them).

    /// The first index in `from..<to` whose byte fails `predicate`, or `to`.
    @inline(__always)
    func scan(from: Int, to: Int, while predicate: (UInt8) -> Bool) -> Int {
        precondition(from >= 0 && from <= to && to <= count, "ByteView range out of range")
        var i = from
        while i < to && predicate(base[i]) { i += 1 }
        return i
    }

    /// `scan(from:to:while: ASCII.isTChar)` eight bytes per step while they are letters, digits or `-` (what
    /// field names are made of), then byte by byte from the first other byte: the end of a field name.
    @inline(__always)
    func scanToken(from: Int, to: Int) -> Int {
        precondition(from >= 0 && from <= to && to <= count, "ByteView range out of range")
        var i = from
        while i + 8 <= to {
            let ok = Self.alphanumericOrDash(UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)))
            if ok != 0x8080_8080_8080_8080 {
                i &+= (~ok & 0x8080_8080_8080_8080).trailingZeroBitCount >> 3   // each byte is tested alone: exact
                break
            }
            i += 8
        }
        while i < to && ASCII.isTChar(base[i]) { i += 1 }
        return i
    }

    /// 0x80 in each byte of `w` that is an ASCII letter, digit or `-`, 0 in the others. Bytes are tested with
    /// their top bit cleared, so no carry crosses into a neighbour (a byte with the top bit set is no match).
    @inline(__always)
    static func alphanumericOrDash(_ w: UInt64) -> UInt64 {
        let high: UInt64 = 0x8080_8080_8080_8080
        let low7 = w & 0x7f7f_7f7f_7f7f_7f7f
        let folded = low7 | 0x2020_2020_2020_2020
        let letter = (folded &+ 0x1f1f_1f1f_1f1f_1f1f) & ~(folded &+ 0x0505_0505_0505_0505)   // 0x61...0x7a
        let digit = (low7 &+ 0x5050_5050_5050_5050) & ~(low7 &+ 0x4646_4646_4646_4646)       // 0x30...0x39
        let dash = ~((low7 ^ 0x2d2d_2d2d_2d2d_2d2d) &+ 0x7f7f_7f7f_7f7f_7f7f)               // 0x2d
        return (letter | digit | dash) & ~w & high
    }

    /// The first index in `from..<to` holding `byte`, or `to`; eight bytes per step (the SWAR zero-byte test).
    @inline(__always)
    func firstIndex(of byte: UInt8, from: Int, to: Int) -> Int {
        precondition(from >= 0 && from <= to && to <= count, "ByteView range out of range")
        let pattern = 0x0101_0101_0101_0101 &* UInt64(byte)
        var i = from
        while i + 8 <= to {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) ^ pattern
            let found = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
            // The lowest flag is exact (a borrow only runs upward from a match): no byte-by-byte walk to it.
            if found != 0 { return i &+ found.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < to && base[i] != byte { i += 1 }
        return i
    }

    /// The first index in `from..<to` whose byte may not appear in a field value (a control byte other than
    /// HTAB, or DEL), or `to`; eight bytes per step while none is below 0x20 or DEL.
    @inline(__always)
    func firstNonFieldValueByte(from: Int, to: Int) -> Int {
        precondition(from >= 0 && from <= to && to <= count, "ByteView range out of range")
        var i = from
        var flagged = false
        while i + 8 <= to {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let low = (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080  // some byte < 0x20
            let d = w ^ 0x7f7f_7f7f_7f7f_7f7f
            let del = (d &- 0x0101_0101_0101_0101) & ~d & 0x8080_8080_8080_8080  // some byte == 0x7f
            if low | del != 0 { flagged = true; break }
            i += 8
        }
        // The last bytes, when every word before them was clean: one load of the range's last eight (those
        // before `i` are known good) instead of up to seven single bytes. A flagged word is walked byte by byte.
        if !flagged && i < to && to - from >= 8 {
            let w = UnsafeRawPointer(base + (to - 8)).loadUnaligned(as: UInt64.self)
            let low = (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080
            let d = w ^ 0x7f7f_7f7f_7f7f_7f7f
            let del = (d &- 0x0101_0101_0101_0101) & ~d & 0x8080_8080_8080_8080
            if low | del == 0 { return to }
        }
        while i < to {
            let b = base[i]
            if !(b == 9 || (b >= 0x20 && b != 0x7f)) { break }
            i += 1
        }
        return i
    }

    /// Whether `start..<end` holds the bytes of `literal`; with `foldingCase` the view's ASCII letters are
    /// lowercased first (the literal is then lowercase).
    /// Eight bytes a step (a field name is compared with several literals for every field of every head);
    /// a name of eight or more bytes ends with one overlapping word, a shorter one byte by byte.
    @inline(__always)
    func matches(_ start: Int, _ end: Int, _ literal: StaticString, foldingCase: Bool = false) -> Bool {
        precondition(start >= 0 && start <= end && end <= count, "ByteView range out of range")
        let n = literal.utf8CodeUnitCount
        guard end - start == n else { return false }
        let p = literal.utf8Start
        if n >= 8 {
            @inline(__always) func word(_ k: Int) -> Bool {
                let w = UnsafeRawPointer(base + (start &+ k)).loadUnaligned(as: UInt64.self)
                return (foldingCase ? Self.lowercased(w) : w) == UnsafeRawPointer(p + k).loadUnaligned(as: UInt64.self)
            }
            var k = 0
            while k &+ 8 <= n {
                if !word(k) { return false }
                k &+= 8
            }
            return k == n || word(n &- 8)
        }
        var k = 0
        while k < n {
            let b = base[start + k]
            if (foldingCase ? ASCII.lower(b) : b) != p[k] { return false }
            k += 1
        }
        return true
    }

    /// `w` with each byte 'A'...'Z' lowercased, every other byte as it is (exact for any input: the range test
    /// works on each byte with its top bit cleared, so no carry crosses into a neighbour).
    @inline(__always)
    static func lowercased(_ w: UInt64) -> UInt64 {
        let low7 = w & 0x7f7f_7f7f_7f7f_7f7f
        let upper = (low7 &+ 0x3f3f_3f3f_3f3f_3f3f) & ~(low7 &+ 0x2525_2525_2525_2525) & ~w & 0x8080_8080_8080_8080
        return w | (upper >> 2)
    }

    /// The view of `start..<end` (indices start at 0 again).
    @inlinable
    public func slice(_ start: Int, _ end: Int) -> ByteView {
        precondition(start >= 0 && start <= end && end <= count, "ByteView range out of range")
        return ByteView(base: base + start, count: end - start)
    }

    /// The view from `start` to the end.
    @inlinable
    public func dropping(_ start: Int) -> ByteView { slice(start, count) }

    /// The bytes as a raw buffer, for the system calls and zlib (which live in their own pointer files).
    @inlinable
    public func withRawBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: count > 0 ? base : nil, count: count))
    }

    /// Iterates by index; its own type (not `IndexingIterator`) so `_copyContents` can hand one back mid-view.
    public struct Iterator: IteratorProtocol {
        @usableFromInline let view: ByteView
        @usableFromInline var index: Int
        @inlinable init(_ view: ByteView, at index: Int) { self.view = view; self.index = index }
        @inlinable public mutating func next() -> UInt8? {
            guard index < view.count else { return nil }
            defer { index += 1 }
            return view.base[index]
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(self, at: 0) }

    /// Makes `Array.append(contentsOf:)`, `+=` and `Array(_:)` copy a view with one memcpy instead of byte by byte.
    @inlinable
    public func _copyContents(initializing destination: UnsafeMutableBufferPointer<UInt8>) -> (Iterator, Int) {
        let n = Swift.min(count, destination.count)
        if n > 0 { destination.baseAddress!.initialize(from: base, count: n) }
        return (Iterator(self, at: n), n)
    }

    /// Lets contiguous-storage fast paths read a view in place.
    @inlinable
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// A copy of `start..<end`.
    public func array(_ start: Int, _ end: Int) -> [UInt8] {
        precondition(start >= 0 && start <= end && end <= count, "ByteView range out of range")
        return Array(UnsafeBufferPointer(start: base + start, count: end - start))
    }

    /// Appends `start..<end` to `array` (one copy, into the capacity `array` already has when it is enough).
    public func append(_ start: Int, _ end: Int, to array: inout [UInt8]) {
        precondition(start >= 0 && start <= end && end <= count, "ByteView range out of range")
        array.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
    }
}

extension Array where Element == UInt8 {
    /// Calls `body` with a view of the array's bytes.
    @inlinable
    public func withByteView<R>(_ body: (ByteView) throws -> R) rethrows -> R {
        try withUnsafeBytes { try body(ByteView($0)) }
    }
}

extension ArraySlice where Element == UInt8 {
    /// Calls `body` with a view of the slice's bytes (index 0 is the slice's first byte).
    @inlinable
    public func withByteView<R>(_ body: (ByteView) throws -> R) rethrows -> R {
        try withUnsafeBytes { try body(ByteView($0)) }
    }
}

extension StaticString {
    /// The literal's UTF-8 bytes, valid for the program's lifetime: compared and appended without a copy.
    @inline(__always)
    public var buffer: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount)
    }
}
