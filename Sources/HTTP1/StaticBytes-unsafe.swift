// The one pointer view HTTP1 gives out: a string literal's bytes, which live as long as the program.

extension StaticString {
    /// The literal's UTF-8 bytes, valid for the program's lifetime: compared and appended without a copy.
    @inline(__always)
    public var buffer: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount)
    }
}
