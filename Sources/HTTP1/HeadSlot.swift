/// Where a worker's parsers take the storage for the next head from: the last head made through the slot,
/// once nothing else holds it. A head then costs no allocation (its object, its bytes and its field list were
/// three, and three frees, about 600 instructions), and a head still held (a request in flight, a cached
/// response) is never touched: the parser makes a new one and the slot keeps that instead.
///
///     var slot = RequestHeadSlot()                       // one per worker thread
///     switch parser.parse(view, slot: &slot) { … }
public struct RequestHeadSlot {
    var fields: RequestHead.Fields?
    public init() {}

    mutating func make(_ buffer: ByteView, _ start: Int, _ end: Int, headers: inout [HeaderField],
                       facts: RequestHead.Facts) -> RequestHead {
        RequestHead(fields: HeadStorageSlot.take(&fields, buffer, start, end, &headers, facts))
    }
}

/// `RequestHeadSlot`'s counterpart for upstream response heads. A response parser lives for one exchange (a
/// request parser for its connection), so the field list a reused head gives back is kept here, as `spare`,
/// and the next exchange's parser starts with it instead of growing a new one.
public struct ResponseHeadSlot {
    var fields: ResponseHead.Fields?
    var spare: [HeaderField] = []
    public init() {}

    mutating func make(_ buffer: ByteView, _ start: Int, _ end: Int, headers: inout [HeaderField],
                       facts: ResponseHead.Facts) -> ResponseHead {
        let head = ResponseHead(fields: HeadStorageSlot.take(&fields, buffer, start, end, &headers, facts))
        if spare.capacity == 0 { swap(&headers, &spare) }
        return head
    }

    /// The kept list for a parser that has none yet (its first head).
    @inline(__always)
    mutating func lend(to headers: inout [HeaderField]) {
        if headers.capacity == 0 && spare.capacity > 0 {
            swap(&headers, &spare)
            headers.removeAll(keepingCapacity: true)   // the last head's fields are still in it
        }
    }
}

/// A head's storage object: its bytes, its field list and its plain values.
protocol HeadStorage: AnyObject {
    associatedtype Facts
    var bytes: [UInt8] { get set }
    var headers: [HeaderField] { get set }
    var facts: Facts { get set }
    init(bytes: [UInt8], headers: [HeaderField], facts: Facts)
}

enum HeadStorageSlot {
    /// The storage for a head of `buffer[start..<end]`, `headers` and `facts`: the slot's object refilled when the
    /// slot holds the only reference to it, else a new one the slot keeps. `headers` is swapped with the reused
    /// object's old list, so the parser keeps that list's capacity for the next head.
    @inline(__always)
    static func take<S: HeadStorage>(_ slot: inout S?, _ buffer: ByteView, _ start: Int, _ end: Int,
                                     _ headers: inout [HeaderField], _ facts: S.Facts) -> S {
        if isKnownUniquelyReferenced(&slot), let s = slot {
            s.facts = facts
            s.bytes.removeAll(keepingCapacity: true)
            buffer.append(start, end, to: &s.bytes)
            swap(&s.headers, &headers)
            return s
        }
        let s = S(bytes: buffer.array(start, end), headers: headers, facts: facts)
        headers = []   // the new head owns that list: the parser's next append would otherwise copy it
        slot = s
        return s
    }
}
