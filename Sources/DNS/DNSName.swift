/// Domain names on the wire (RFC 1035 §3.1, §4.1.4): labels, and compression pointers that refer back into the
/// message. Names are kept as dotted ASCII bytes, lowercased (DNS compares names case-insensitively).
public enum DNSName {
    /// Longest name, written out with its dots: RFC 1035's 255 bytes, counted as nginx counts them (it asks for
    /// and accepts four 63-byte labels, 257 bytes on the wire).
    public static let maxLength = 255
    /// Pointers followed while reading one name at most: a message of pointers to pointers is a loop or an
    /// attack, and either way nothing to wait on (nginx stops at 128 as well).
    static let maxPointers = 128

    /// `api.example.com` as labels, ending with the root label; nil when a label is empty or longer than 63
    /// bytes, or the name is too long (nginx refuses to ask for such names).
    public static func encode(_ dotted: [UInt8]) -> [UInt8]? {
        var name = dotted[...]
        if name.last == UInt8(ascii: ".") { name = name.dropLast() }   // an absolute name is the same query
        guard !name.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(name.count + 2)
        for label in name.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63 else { return nil }
            out.append(UInt8(label.count))
            out.append(contentsOf: label)
        }
        out.append(0)
        return name.count <= maxLength ? out : nil
    }

    /// Reads the name at `offset`: the dotted lowercase name and the offset just after it where it sits
    /// (a pointer ends the name in place after two bytes).
    static func read(_ message: [UInt8], at offset: Int) throws(DNSDecodeError) -> (name: [UInt8], end: Int) {
        var name: [UInt8] = []
        var position = offset
        var end: Int? = nil
        var pointers = 0
        while true {
            guard position < message.count else { throw .truncated }
            let length = Int(message[position])
            switch length & 0xC0 {
            case 0xC0:
                guard position + 1 < message.count else { throw .truncated }
                pointers += 1
                guard pointers <= maxPointers else { throw .badName }
                let target = (length & 0x3F) << 8 | Int(message[position + 1])
                if end == nil { end = position + 2 }
                // Only backwards: a forward or self pointer is how loops are built.
                guard target < position else { throw .badName }
                position = target
            case 0:
                if length == 0 { return (name, end ?? position + 1) }
                guard position + 1 + length <= message.count else { throw .truncated }
                if !name.isEmpty { name.append(UInt8(ascii: ".")) }
                guard name.count + length <= maxLength else { throw .badName }
                for b in message[(position + 1)...(position + length)] {
                    name.append(b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b)
                }
                position += 1 + length
            default:
                throw .badName   // 0x40 and 0x80: extended label types, obsolete
            }
        }
    }

    /// Lowercased, without a trailing dot: the form `read` gives and cache keys use.
    public static func canonical(_ dotted: [UInt8]) -> [UInt8] {
        var name = dotted[...]
        if name.last == UInt8(ascii: ".") { name = name.dropLast() }
        return name.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
    }
}
