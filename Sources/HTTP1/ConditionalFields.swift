import ASCIIBytes

/// The request fields nginx's not_modified and range filters read, found in one pass over the head.
///
///     let f = ConditionalFields(head)
///     NotModifiedFilter.verdict(f, lastModified: mtime, etag: tag, mode: .exact)   // .notModified
///     RangeFilter.evaluate(f, length: size, lastModified: mtime, etag: tag, maxRanges: .max)
public struct ConditionalFields: Sendable, Equatable {
    public var ifModifiedSince: ArraySlice<UInt8>?
    public var ifUnmodifiedSince: ArraySlice<UInt8>?
    public var ifMatch: ArraySlice<UInt8>?
    public var ifNoneMatch: ArraySlice<UInt8>?
    public var range: ArraySlice<UInt8>?
    public var ifRange: ArraySlice<UInt8>?

    public init() {}

    /// The first line of each field (nginx keeps the first of these single-valued fields too).
    public init(_ head: RequestHead) {
        let b = head.bytes
        for f in head.headers {
            switch f.name.end - f.name.start {
            case 5:
                if range == nil, ASCII.named(b, f.name, "range") { range = b[f.value.start..<f.value.end] }
            case 8:
                if ifMatch == nil, ASCII.named(b, f.name, "if-match") { ifMatch = b[f.value.start..<f.value.end] }
                else if ifRange == nil, ASCII.named(b, f.name, "if-range") { ifRange = b[f.value.start..<f.value.end] }
            case 13:
                if ifNoneMatch == nil, ASCII.named(b, f.name, "if-none-match") { ifNoneMatch = b[f.value.start..<f.value.end] }
            case 17:
                if ifModifiedSince == nil, ASCII.named(b, f.name, "if-modified-since") {
                    ifModifiedSince = b[f.value.start..<f.value.end]
                }
            case 19:
                if ifUnmodifiedSince == nil, ASCII.named(b, f.name, "if-unmodified-since") {
                    ifUnmodifiedSince = b[f.value.start..<f.value.end]
                }
            default: break
            }
        }
    }

    /// Whether the head has any of these fields: one cheap pass, so a request without them (nearly every one)
    /// never builds the struct.
    public static func present(in head: RequestHead) -> Bool {
        let b = head.bytes
        for f in head.headers {
            switch f.name.end - f.name.start {
            case 5: if ASCII.named(b, f.name, "range") { return true }
            case 8: if ASCII.named(b, f.name, "if-match") || ASCII.named(b, f.name, "if-range") { return true }
            case 13: if ASCII.named(b, f.name, "if-none-match") { return true }
            case 17: if ASCII.named(b, f.name, "if-modified-since") { return true }
            case 19: if ASCII.named(b, f.name, "if-unmodified-since") { return true }
            default: break
            }
        }
        return false
    }

    /// No precondition: the not_modified filter has nothing to decide.
    public var hasPreconditions: Bool {
        ifModifiedSince != nil || ifUnmodifiedSince != nil || ifMatch != nil || ifNoneMatch != nil
    }
}
