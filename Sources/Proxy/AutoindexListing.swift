import HTTP1

/// nginx's autoindex page for one directory, as a value: the entries in, the body's bytes out, in nginx's four
/// formats (html, json, jsonp, xml) byte for byte. Directories come first, then names in byte order (nginx's
/// qsort with strcmp). Reading the directory is the handler's (Autoindex.swift); this is pure and unit-tested.
/// One pass over sorted entries into one growing array: a large directory costs n log n, never n².
struct AutoindexListing {
    struct Entry: Equatable {
        var name: [UInt8]
        var isDirectory: Bool
        /// A regular file (after links are followed); neither this nor a directory is nginx's "other".
        var isFile: Bool
        var mtime: Int64
        var size: Int64

        init(name: [UInt8], isDirectory: Bool, isFile: Bool, mtime: Int64, size: Int64) {
            self.name = name; self.isDirectory = isDirectory; self.isFile = isFile; self.mtime = mtime; self.size = size
        }
    }

    /// nginx's NGX_HTTP_AUTOINDEX_NAME_LEN: the width of the html page's name column.
    static let nameWidth = 50

    let entries: [Entry]

    init(_ entries: [Entry]) {
        self.entries = entries.sorted { a, b in
            if a.isDirectory != b.isDirectory { return a.isDirectory }
            return a.name.lexicographicallyPrecedes(b.name)
        }
    }

    // MARK: html

    /// The html page. `uri` is the request's (decoded) path; `utf8`: the response's charset is utf-8, so names
    /// are measured and cut in characters rather than bytes; `utcOffsetMinutes` is added to the mtimes
    /// (`autoindex_localtime on`); `exactSize` off prints sizes rounded to K, M or G.
    func html(uri: [UInt8], utf8: Bool, exactSize: Bool, utcOffsetMinutes: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + uri.count * 2 + entries.count * 160)
        out.append(contentsOf: "<html>\r\n<head><title>Index of ".utf8)
        Self.appendHTML(uri[...], to: &out)
        out.append(contentsOf: "</title></head>\r\n<body>\r\n<h1>Index of ".utf8)
        Self.appendHTML(uri[...], to: &out)
        out.append(contentsOf: "</h1><hr><pre><a href=\"../\">../</a>\r\n".utf8)
        for e in entries { appendRow(e, utf8: utf8, exactSize: exactSize, offset: utcOffsetMinutes, to: &out) }
        out.append(contentsOf: "</pre><hr></body>\r\n</html>\r\n".utf8)
        return out
    }

    private func appendRow(_ e: Entry, utf8: Bool, exactSize: Bool, offset: Int, to out: inout [UInt8]) {
        let width = Self.nameWidth
        out.append(contentsOf: "<a href=\"".utf8)
        URIComponent.append(e.name, to: &out)   // a path segment for `href`: `:` cannot start a scheme nor `?` a query
        if e.isDirectory { out.append(UInt8(ascii: "/")) }
        out.append(contentsOf: "\">".utf8)

        // The name's length in characters when the page is utf-8 and the name valid UTF-8, else in bytes; a
        // longer one than the column is cut to width - 3 and ends in `..>`.
        let length = utf8 ? Self.utf8Length(e.name) : e.name.count
        let cut: Int   // where `..&gt;` goes when the name is too long
        if length != e.name.count {
            let chars = length > width ? width - 3 : width
            Self.appendHTML(e.name[..<Self.utf8Prefix(e.name, characters: chars)], to: &out)
            cut = out.count
        } else if Self.needsHTMLEscape(e.name) {
            Self.appendHTML(e.name[..<(length > width ? width - 3 : length)], to: &out)
            cut = out.count
        } else {
            out.append(contentsOf: e.name.prefix(width))
            cut = out.count - 3
        }
        if length > width {
            out.removeSubrange(cut...)
            out.append(contentsOf: "..&gt;</a>".utf8)
        } else {
            var used = length
            if e.isDirectory && used < width { out.append(UInt8(ascii: "/")); used += 1 }
            out.append(contentsOf: "</a>".utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - used))
        }
        out.append(UInt8(ascii: " "))

        let t = CivilTime(unixTime: e.mtime + Int64(offset) * 60)
        Self.appendPadded(t.day, width: 2, zero: true, to: &out)
        out.append(UInt8(ascii: "-"))
        out.append(contentsOf: Self.months[t.month - 1].utf8)
        out.append(UInt8(ascii: "-"))
        ASCIIDecimal.append(t.year, to: &out)
        out.append(UInt8(ascii: " "))
        Self.appendPadded(t.hour, width: 2, zero: true, to: &out)
        out.append(UInt8(ascii: ":"))
        Self.appendPadded(t.minute, width: 2, zero: true, to: &out)
        out.append(UInt8(ascii: " "))

        if exactSize {
            if e.isDirectory {
                out.append(contentsOf: "                  -".utf8)
            } else {
                Self.appendPadded(e.size, width: 19, zero: false, to: &out)
            }
        } else if e.isDirectory {
            out.append(contentsOf: "      -".utf8)
        } else {
            let (size, scale) = Self.humanSize(e.size)
            if let scale {
                Self.appendPadded(size, width: 6, zero: false, to: &out)
                out.append(scale)
            } else {
                out.append(UInt8(ascii: " "))
                Self.appendPadded(size, width: 6, zero: false, to: &out)
            }
        }
        out.append(13); out.append(10)
    }

    /// nginx's rounding for `autoindex_exact_size off`: up to 9999 bytes as they are, then K up to a MiB, M up to
    /// a GiB, then G; half a unit or more rounds up.
    static func humanSize(_ length: Int64) -> (Int64, UInt8?) {
        let k: Int64 = 1024, m = k * k, g = m * k
        if length > g - 1 { return (length / g + (length % g > g / 2 - 1 ? 1 : 0), UInt8(ascii: "G")) }
        if length > m - 1 { return (length / m + (length % m > m / 2 - 1 ? 1 : 0), UInt8(ascii: "M")) }
        if length > 9999 { return (length / k + (length % k > 511 ? 1 : 0), UInt8(ascii: "K")) }
        return (length, nil)
    }

    // MARK: json, jsonp

    /// The json list; with a `callback`, jsonp: the list as the argument of a call to it.
    func json(callback: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + (callback?.count ?? 0) + entries.count * 110)
        if let callback {
            out.append(contentsOf: "/* callback */\r\n".utf8)
            out.append(contentsOf: callback)
            out.append(UInt8(ascii: "("))
        }
        out.append(UInt8(ascii: "["))
        for e in entries {
            out.append(contentsOf: "\r\n{ \"name\":\"".utf8)
            Self.appendJSON(e.name, to: &out)
            out.append(contentsOf: "\", \"type\":\"".utf8)
            out.append(contentsOf: Self.typeName(e).utf8)
            out.append(contentsOf: "\", \"mtime\":\"".utf8)
            HTTPDate.appendIMFFixdate(e.mtime, to: &out)
            if e.isFile {
                out.append(contentsOf: "\", \"size\":".utf8)
                ASCIIDecimal.append(e.size, to: &out)
            } else {
                out.append(UInt8(ascii: "\""))
            }
            out.append(contentsOf: " },".utf8)
        }
        if !entries.isEmpty { out.removeLast() }   // the last entry's comma
        out.append(contentsOf: "\r\n]".utf8)
        if callback != nil { out.append(contentsOf: ");".utf8) }
        return out
    }

    /// nginx's check of `$arg_callback` for jsonp: at most 128 bytes of letters, digits, `_` and `.`.
    static func validCallback<C: Collection<UInt8>>(_ name: C) -> Bool {
        name.count <= 128 && name.allSatisfy { ch in
            let c = ch | 0x20
            return (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (ch >= UInt8(ascii: "0") && ch <= UInt8(ascii: "9"))
                || ch == UInt8(ascii: "_") || ch == UInt8(ascii: ".")
        }
    }

    // MARK: xml

    func xml() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + entries.count * 100)
        out.append(contentsOf: "<?xml version=\"1.0\"?>\r\n<list>\r\n".utf8)
        for e in entries {
            let type = Self.typeName(e)
            out.append(UInt8(ascii: "<"))
            out.append(contentsOf: type.utf8)
            out.append(contentsOf: " mtime=\"".utf8)
            let t = CivilTime(unixTime: e.mtime)
            Self.appendPadded(t.year, width: 4, zero: false, to: &out)
            out.append(UInt8(ascii: "-")); Self.appendPadded(t.month, width: 2, zero: true, to: &out)
            out.append(UInt8(ascii: "-")); Self.appendPadded(t.day, width: 2, zero: true, to: &out)
            out.append(UInt8(ascii: "T")); Self.appendPadded(t.hour, width: 2, zero: true, to: &out)
            out.append(UInt8(ascii: ":")); Self.appendPadded(t.minute, width: 2, zero: true, to: &out)
            out.append(UInt8(ascii: ":")); Self.appendPadded(t.second, width: 2, zero: true, to: &out)
            out.append(UInt8(ascii: "Z"))
            if e.isFile {
                out.append(contentsOf: "\" size=\"".utf8)
                ASCIIDecimal.append(e.size, to: &out)
            }
            out.append(contentsOf: "\">".utf8)
            Self.appendHTML(e.name[...], to: &out)
            out.append(contentsOf: "</".utf8)
            out.append(contentsOf: type.utf8)
            out.append(contentsOf: ">\r\n".utf8)
        }
        out.append(contentsOf: "</list>\r\n".utf8)
        return out
    }

    // MARK: pieces

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func typeName(_ e: Entry) -> String { e.isDirectory ? "directory" : e.isFile ? "file" : "other" }

    /// `n` right-aligned in `width` columns, as printf's `%6d` (spaces) or `%02d` (zeros).
    static func appendPadded<I: BinaryInteger>(_ n: I, width: Int, zero: Bool, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        ASCIIDecimal.append(Int64(n), to: &digits)
        if digits.count < width {
            out.append(contentsOf: repeatElement(UInt8(ascii: zero ? "0" : " "), count: width - digits.count))
        }
        out.append(contentsOf: digits)
    }

    /// `<`, `>`, `&` and `"` as entities (nginx's ngx_escape_html).
    static func appendHTML(_ s: ArraySlice<UInt8>, to out: inout [UInt8]) {
        for c in s {
            switch c {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            default: out.append(c)
            }
        }
    }

    static func needsHTMLEscape(_ s: [UInt8]) -> Bool {
        s.contains { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "\"") }
    }

    /// A JSON string's inside (nginx's ngx_escape_json): `"` and `\` escaped, control bytes as `\n`-style or
    /// `\u00XX`; other bytes, UTF-8 included, as they are.
    static func appendJSON(_ s: [UInt8], to out: inout [UInt8]) {
        for c in s {
            if c > 0x1f {
                if c == UInt8(ascii: "\\") || c == UInt8(ascii: "\"") { out.append(UInt8(ascii: "\\")) }
                out.append(c)
                continue
            }
            out.append(UInt8(ascii: "\\"))
            switch c {
            case 0x0a: out.append(UInt8(ascii: "n"))
            case 0x0d: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0c: out.append(UInt8(ascii: "f"))
            default:
                out.append(contentsOf: "u00".utf8)
                out.append(UInt8(ascii: "0") + (c >> 4))
                let low = c & 0xf
                out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "A") + low - 10)
            }
        }
    }

    /// Characters in `s` when it is valid UTF-8 (as nginx's ngx_utf8_decode judges it), else its byte count.
    static func utf8Length(_ s: [UInt8]) -> Int {
        var i = 0, n = 0
        while i < s.count {
            if s[i] < 0x80 { i += 1 } else if let next = utf8Next(s, i) { i = next } else { return s.count }
            n += 1
        }
        return n
    }

    /// The byte length of the first `characters` characters of valid UTF-8 `s`.
    static func utf8Prefix(_ s: [UInt8], characters: Int) -> Int {
        var i = 0, n = 0
        while i < s.count && n < characters {
            if s[i] < 0x80 { i += 1 } else if let next = utf8Next(s, i) { i = next } else { break }
            n += 1
        }
        return i
    }

    /// The index after the multi-byte character at `i`, or nil when it is not valid (overlong, cut short, past
    /// U+10FFFF).
    private static func utf8Next(_ s: [UInt8], _ i: Int) -> Int? {
        var u = UInt32(s[i])
        let length: Int, least: UInt32
        switch u {
        case 0xf8...: return nil
        case 0xf0...: u &= 0x07; least = 0xffff; length = 3
        case 0xe0...: u &= 0x0f; least = 0x7ff; length = 2
        case 0xc2...: u &= 0x1f; least = 0x7f; length = 1
        default: return nil
        }
        if s.count - i - 1 < length { return nil }
        for k in 1...length {
            let b = s[i + k]
            if b < 0x80 { return nil }
            u = (u << 6) | UInt32(b & 0x3f)
        }
        return u > least && u <= 0x10ffff ? i + length + 1 : nil
    }
}
