/// nginx's charset body filter on one response as a value: pieces of the source body in, the recoded bytes out,
/// with a UTF-8 character split across pieces held until the rest comes. Tested without sockets at every split.
///
/// From UTF-8, a character the table has no byte for is written as nginx writes it, `&#NNNN;` (decimal), and
/// bytes that are not UTF-8 as `?`. An incomplete character at the very end of the body is dropped, as nginx does.
public struct CharsetRecoder {
    public let table: CharsetTable
    /// The start of a UTF-8 character the last piece ended in (at most three bytes).
    private var saved: [UInt8] = []

    public init(_ table: CharsetTable) { self.table = table }

    /// Recodes `input`, appending to `out`.
    public mutating func recode<C: Collection<UInt8>>(_ input: C, into out: inout [UInt8]) where C.Index == Int {
        switch table {
        case .bytes(let map):
            out.reserveCapacity(out.count + input.count)
            for b in input { out.append(map[Int(b)]) }
        case .toUTF8(let map):
            out.reserveCapacity(out.count + input.count + input.count / 2)
            for b in input { out.append(contentsOf: map[Int(b)]) }
        case .fromUTF8(let pages):
            fromUTF8(input, pages, into: &out)
        }
    }

    private mutating func fromUTF8<C: Collection<UInt8>>(_ input: C, _ pages: [[UInt8]?], into out: inout [UInt8])
    where C.Index == Int {
        var i = input.startIndex
        let end = input.endIndex
        if !saved.isEmpty {
            // The held start and as much of this piece as a character can need, decoded together.
            let take = min(4 - saved.count, end - i)
            let joined = saved + input[i..<(i + take)]
            switch UTF8Decode.step(joined) {
            case .incomplete:
                saved = joined   // still short: nothing out yet
                return
            case .scalar(let n, let used):
                Self.write(n, pages, into: &out)
                i += used - saved.count
            case .invalid(let used):
                out.append(UInt8(ascii: "?"))
                i += max(used - saved.count, 0)
            }
            saved.removeAll(keepingCapacity: true)
        }
        out.reserveCapacity(out.count + end - i)
        while i < end {
            let b = input[i]
            if b < 0x80 { out.append(b); i += 1; continue }
            switch UTF8Decode.step(input[i..<end]) {
            case .scalar(let n, let used):
                Self.write(n, pages, into: &out)
                i += used
            case .invalid(let used):
                out.append(UInt8(ascii: "?"))
                i += used
            case .incomplete:
                saved.append(contentsOf: input[i..<end])
                return
            }
        }
    }

    /// A decoded character: its byte, else `&#N;`; above U+10FFFF (not a character) `?`.
    private static func write(_ n: UInt32, _ pages: [[UInt8]?], into out: inout [UInt8]) {
        if n > 0x10ffff { out.append(UInt8(ascii: "?")); return }
        if n < 0x10000, let page = pages[Int(n >> 8)], page[Int(n & 0xff)] != 0 {
            out.append(page[Int(n & 0xff)])
            return
        }
        out.append(contentsOf: [UInt8(ascii: "&"), UInt8(ascii: "#")])
        out.append(contentsOf: Array(String(n).utf8))
        out.append(UInt8(ascii: ";"))
    }
}
