/// Where a worker's parsers take the storage for the next head from: a storage made for an earlier head, once
/// nothing else holds it. A head then costs no allocation (its object, its bytes and its field list were three,
/// and three frees), and a head still held (a request in flight, a cached response) is never touched.
///
///     var slot = RequestHeadSlot()                       // one per worker thread
///     switch parser.parse(view, slot: &slot) { … }
public struct RequestHeadSlot {
    var pool = HeadStoragePool<RequestHead.Fields>()
    public init() {}

    @inline(__always)
    mutating func make(_ buffer: ByteView, _ start: Int, _ end: Int, headers: inout [HeaderField],
                       facts: RequestHead.Facts) -> RequestHead {
        RequestHead(fields: pool.take(buffer, start, end, &headers, facts))
    }
}

/// `RequestHeadSlot`'s counterpart for upstream response heads. A response parser lives for one exchange (a
/// request parser for its connection), so the field list a reused head gives back is kept here, as `spare`,
/// and the next exchange's parser starts with it instead of growing a new one.
public struct ResponseHeadSlot {
    var pool = HeadStoragePool<ResponseHead.Fields>()
    var spare: [HeaderField] = []
    public init() {}

    @inline(__always)
    mutating func make(_ buffer: ByteView, _ start: Int, _ end: Int, headers: inout [HeaderField],
                       facts: ResponseHead.Facts) -> ResponseHead {
        let head = ResponseHead(fields: pool.take(buffer, start, end, &headers, facts))
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

/// The storages a slot made, oldest first in a ring: a request holds its head until it ends, and requests end
/// about in the order they began, so the oldest storage is the likeliest to be free again. With one storage
/// per worker (as before), every head parsed while another request was in flight was three allocations: at
/// 50 concurrent clients, five or six of a proxied request's seven (callgrind under wrk).
struct HeadStoragePool<S: HeadStorage> {
    /// At most this many storages are kept; a worker with more heads in flight makes the rest as it goes.
    static var limit: Int { 64 }
    /// A storage whose bytes grew past this (a head of huge cookies) is refilled into new bytes, not kept at size.
    static var keptBytes: Int { 16 * 1024 }

    private var ring: [S] = []
    private var oldest = 0

    var count: Int { ring.count }

    /// The storage for a head of `buffer[start..<end]`, `headers` and `facts`: one of the two oldest kept
    /// storages refilled when nothing else holds it, else a new one kept as the newest (in the place of the
    /// oldest, still held, once the ring is full). `headers` is swapped with a reused storage's old list, so the
    /// parser keeps that list's capacity for the next head.
    @inline(__always)
    mutating func take(_ buffer: ByteView, _ start: Int, _ end: Int, _ headers: inout [HeaderField],
                       _ facts: S.Facts) -> S {
        if !ring.isEmpty {
            if isKnownUniquelyReferenced(&ring[oldest]) { return refill(buffer, start, end, &headers, facts) }
            // A second look: a storage held long (a download, a long poll) moves behind the others.
            advance()
            if isKnownUniquelyReferenced(&ring[oldest]) { return refill(buffer, start, end, &headers, facts) }
        }
        let s = S(bytes: buffer.array(start, end), headers: headers, facts: facts)
        headers = []   // the new head owns that list: the parser's next append would otherwise copy it
        if ring.count < Self.limit {
            ring.insert(s, at: oldest)
        } else {
            ring[oldest] = s
        }
        advance()
        return s
    }

    /// The oldest storage, free, made the newest and filled with the head.
    @inline(__always)
    private mutating func refill(_ buffer: ByteView, _ start: Int, _ end: Int, _ headers: inout [HeaderField],
                                 _ facts: S.Facts) -> S {
        let s = ring[oldest]
        advance()
        s.facts = facts
        if s.bytes.capacity > Self.keptBytes { s.bytes = [] } else { s.bytes.removeAll(keepingCapacity: true) }
        buffer.append(start, end, to: &s.bytes)
        swap(&s.headers, &headers)
        return s
    }

    @inline(__always)
    private mutating func advance() {
        oldest += 1
        if oldest == ring.count { oldest = 0 }
    }
}
