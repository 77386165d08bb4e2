import ASCIIBytes
import Config

/// `charset` and `charset_types` at run time, nginx's charset filter without recoding: `; charset=NAME` is added
/// to the Content-Type of a response whose type is listed (text/html always) and that names no charset yet.
struct CharsetTypes {
    let any: Bool
    private let types: Set<[UInt8]>

    /// nginx's default list, as the configuration model has it.
    static let standardNames = ContentSettings().charsetTypes
    static let standard = CharsetTypes(standardNames)

    init(_ names: [String]) {
        any = names.contains("*")
        types = Set((names + ["text/html"]).map { Array($0.lowercased().utf8) })
    }

    /// Whether a Content-Type value (its media type: up to `;`, without spaces, in any case) takes the charset.
    func contains<C: BidirectionalCollection<UInt8>>(_ contentType: C) -> Bool {
        if any { return true }
        var type = Array(contentType.prefix { $0 != UInt8(ascii: ";") })
        while let last = type.last, ASCII.isOWS(last) { type.removeLast() }
        return types.contains(ASCII.lowercased(type))
    }

    /// Appends `; charset=NAME` to `contentType` when the filter applies to it.
    func append(_ charset: [UInt8], to contentType: inout [UInt8]) {
        guard contains(contentType), !Self.namesCharset(contentType) else { return }
        contentType.append(contentsOf: Self.parameter); contentType.append(contentsOf: charset)
    }

    /// The value has a `charset=` parameter already (the upstream's own: nginx keeps it).
    static func namesCharset<C: Collection<UInt8>>(_ contentType: C) -> Bool where C.Index == Int {
        Bytes.firstIndex(of: Self.key, in: ASCII.lowercased(Array(contentType))) != nil
    }

    static let parameter = Array("; charset=".utf8)
    private static let key = Array("charset=".utf8)
}
