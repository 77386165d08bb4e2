import ASCIIBytes

/// `ssi_types`, `sub_filter_types`: the Content-Types a body filter takes, lowercased; `text/html` is always in
/// (the directives add it), `*` takes any, a response without a Content-Type too (nginx's ngx_http_test_content_type).
struct FilterTypes {
    let types: Set<[UInt8]>
    let anyType: Bool

    init(_ names: Set<String>) {
        anyType = names.contains("*")
        types = Set(names.map { Array($0.utf8) })
    }

    /// Whether a response of `contentType` (parameters after `;` ignored, case-insensitive) is filtered.
    func contains(_ contentType: ArraySlice<UInt8>) -> Bool {
        if anyType { return true }
        var end = contentType.startIndex
        while end < contentType.endIndex && contentType[end] != UInt8(ascii: ";") { end += 1 }
        let base = ASCII.lowercased(ASCII.trim(contentType[contentType.startIndex..<end]))
        return !base.isEmpty && types.contains(base)
    }
}
