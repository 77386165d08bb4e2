/// `charset_map from to { hex hex; … }`: the block's lines, checked as nginx checks them (ngx_http_charset_map).
final class CharsetMapDraft: EntryLines {
    private var config: CharsetMapConfig

    init(_ config: CharsetMapConfig) { self.config = config }

    /// The directive: the two charsets first (not the same one, UTF-8 only second, one map per pair either way),
    /// then the lines.
    static func directive(_ builder: ConfigBuilder, _ directive: Directive) throws {
        let from = directive.arguments[0].text, to = directive.arguments[1].text
        if from.lowercased() == to.lowercased() {
            throw ConfigError("\"charset_map\" between the same charsets \"\(from)\" and \"\(to)\"", at: directive.location)
        }
        if from.lowercased() == "utf-8" {
            throw ConfigError("\"charset_map\" with \"utf-8\" charset should be given in the second column",
                              at: directive.location)
        }
        let pair = Set([from.lowercased(), to.lowercased()])
        if builder.http!.charsetMaps.contains(where: { Set([$0.from.lowercased(), $0.to.lowercased()]) == pair }) {
            throw ConfigError("duplicate \"charset_map\" between \"\(from)\" and \"\(to)\"", at: directive.location)
        }
        let draft = CharsetMapDraft(CharsetMapConfig(from: from, to: to, location: directive.location))
        try builder.runBlock(directive, as: .map, frame: .entries(draft))
        builder.http!.charsetMaps.append(draft.config)
    }

    func add(_ line: Directive, builder: ConfigBuilder) throws {
        if line.block != nil { throw ConfigError("unexpected \"{\"", at: line.location) }
        guard line.arguments.count == 1 else { throw ConfigError("invalid parameters number", at: line.location) }
        guard let byte = Self.hex(line.name), byte <= 255 else {
            throw ConfigError("invalid value \"\(line.name)\"", at: line.location)
        }
        let value = line.arguments[0].text
        let invalid = ConfigError("invalid value \"\(value)\"", at: line.location)
        var target: [UInt8] = []
        if config.utf8 {
            // Up to three bytes of UTF-8 (nginx's tables hold a character below U+10000).
            let digits = Array(value.utf8)
            guard digits.count / 2 <= 3 else { throw invalid }
            var i = 0
            while i < digits.count {
                guard i + 2 <= digits.count, let b = Self.hex(String(decoding: digits[i..<(i + 2)], as: UTF8.self)) else {
                    throw invalid
                }
                target.append(UInt8(b)); i += 2
            }
            guard Self.isCharacterBelow10000(target) else { throw invalid }
        } else {
            guard let b = Self.hex(value), b <= 255 else { throw invalid }
            target = [UInt8(b)]
        }
        config.lines.append(CharsetMapConfig.Line(byte: UInt8(byte), target: target))
    }

    /// nginx's ngx_hextoi: hex digits in any case, at least one; nil otherwise (or past an Int).
    static func hex(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 8 else { return nil }
        var n = 0
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): n = n * 16 + Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): n = n * 16 + Int(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): n = n * 16 + Int(c - UInt8(ascii: "A")) + 10
            default: return nil
            }
        }
        return n
    }

    /// Two or three bytes that are one UTF-8 character below U+10000, as nginx's decoder reads them (an ASCII
    /// byte alone is not one: nginx decodes only the bytes above 0x7f).
    private static func isCharacterBelow10000(_ b: [UInt8]) -> Bool {
        guard b.count >= 2, b[1...].allSatisfy({ $0 >= 0x80 }) else { return false }
        if b.count == 2 { return b[0] >= 0xc2 && b[0] < 0xe0 }
        let u = (UInt32(b[0] & 0x0f) << 12) | (UInt32(b[1] & 0x3f) << 6) | UInt32(b[2] & 0x3f)
        return b.count == 3 && b[0] >= 0xe0 && b[0] < 0xf0 && u > 0x7ff
    }
}
