/// One header line of a head: the name as sent and the value with surrounding whitespace removed.
/// ```
/// for field in head.headers { log(head.bytes(field.name), head.bytes(field.value)) }
/// ```
public struct HeaderField: Equatable, Hashable, Sendable {
    public var name: ByteRange
    public var value: ByteRange

    public init(name: ByteRange, value: ByteRange) {
        self.name = name
        self.value = value
    }
}
