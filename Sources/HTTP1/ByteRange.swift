/// A half-open range of byte offsets into a head's `bytes`.
///
/// Heads keep offsets rather than copies so parsing allocates only the head's byte array and header list.
/// ```
/// let path = head.bytes(head.path)   // ArraySlice<UInt8>
/// ```
public struct ByteRange: Equatable, Hashable, Sendable {
    public var start: Int
    public var end: Int

    @inlinable
    public init(start: Int, end: Int) {
        assert(start <= end, "ByteRange start after end")
        self.start = start
        self.end = end
    }

    @inlinable public var count: Int { end - start }
    @inlinable public var isEmpty: Bool { start == end }
}
