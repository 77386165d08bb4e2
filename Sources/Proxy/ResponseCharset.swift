import ASCIIBytes
import Config

/// `charset` and `charset_types` of a location at run time, nginx's charset filter without recoding:
/// `; charset=NAME` is added to the Content-Type of a response whose type is listed (text/html always) and that
/// names no charset yet. One value for a location's own responses and for the ones it proxies.
struct ResponseCharset {
    let name: [UInt8]
    /// `charset_types *`.
    let any: Bool
    /// Lowercase; a handful, compared in place (a lookup in a set would copy each response's type first).
    private let types: [[UInt8]]

    /// nginx's default list, as the configuration model has it; its bytes are made once, for every location.
    static let standardTypes = ContentSettings().charsetTypes
    private static let standardList = list(standardTypes)

    init(name: [UInt8], types names: [String]) {
        self.name = name
        any = names.contains("*")
        types = names == Self.standardTypes ? Self.standardList : Self.list(names)
    }

    private static func list(_ names: [String]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for n in names + ["text/html"] where !out.contains(Array(n.lowercased().utf8)) { out.append(Array(n.lowercased().utf8)) }
        return out
    }

    /// Whether a Content-Type value (its media type: up to `;`, without spaces, in any case) takes the charset.
    func takes<C: BidirectionalCollection<UInt8>>(_ contentType: C) -> Bool {
        if any { return true }
        var type = contentType.prefix { $0 != UInt8(ascii: ";") }
        while let last = type.last, ASCII.isOWS(last) { type = type.dropLast() }
        return types.contains { ASCII.equalsIgnoringCase(type, $0) }
    }

    /// Appends `; charset=NAME` to `contentType` when the filter applies to it.
    func append(to contentType: inout [UInt8]) {
        guard takes(contentType), !Self.namesCharset(contentType) else { return }
        contentType.append(contentsOf: Self.parameter); contentType.append(contentsOf: name)
    }

    /// The value has a `charset=` parameter already (the upstream's own: nginx keeps it).
    static func namesCharset<C: Collection<UInt8>>(_ contentType: C) -> Bool where C.Index == Int {
        var i = contentType.startIndex
        while contentType.endIndex - i >= 8 {
            if ASCII.equalsLowercased(contentType[i..<i + 8], "charset=") { return true }
            i += 1
        }
        return false
    }

    static let parameter = Array("; charset=".utf8)
}
