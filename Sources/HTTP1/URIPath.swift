import ASCIIBytes
/// nginx's normalisation of a request path into `$uri`, and lookups in the raw path.
/// ```
/// try URIPath.normalize(head.bytes(head.path))          // "/a/%2e/b//c" → "/a/b/c"
/// URIPath.pathParameter(named: Array("jsessionid".utf8), in: head.bytes(head.path))
/// ```
public enum URIPath {
    /// Decodes `%XX`, merges repeated slashes (nginx `merge_slashes on`), and resolves `.` and `..` segments,
    /// including ones spelled with escapes (`/%2e%2e/`), as nginx's complex-URI parser does.
    /// Throws 400 for a path not starting with `/`, a bad or truncated escape, a decoded NUL, CR or LF, or `..`
    /// above the root. A decoded `%25` or `%3F` is a literal byte, never an escape or a query start. nginx takes
    /// `%0D%0A` into `$uri`, where a common `return 301 https://$host$uri;` or `add_header … $uri` splits the
    /// response (and `proxy_set_header … $uri` the request upstream); no path needs a line break.
    public static func normalize<C: Collection<UInt8>>(_ raw: C) throws(HTTPParseError) -> [UInt8] {
        try normalize(raw, mergeSlashes: true)
    }

    /// `mergeSlashes: false` is nginx's `merge_slashes off`: `//` stays in `$uri`.
    public static func normalize<C: Collection<UInt8>>(_ raw: C, mergeSlashes: Bool) throws(HTTPParseError) -> [UInt8] {
        var out: [UInt8] = []
        try normalize(raw, mergeSlashes: mergeSlashes, into: &out)
        return out
    }

    /// The same, written over `out` (a request's `$uri`, whose capacity the next request keeps). On a throw
    /// `out` holds part of the path.
    public static func normalize<C: Collection<UInt8>>(_ raw: C, mergeSlashes: Bool, into out: inout [UInt8])
        throws(HTTPParseError)
    {
        if !out.isEmpty { out.removeAll(keepingCapacity: true) }
        out.reserveCapacity(raw.count)
        var it = raw.makeIterator()
        guard it.next() == ASCII.slash else { throw .invalidURI }
        out.append(ASCII.slash)
        var segmentStart = 1  // index in `out` after the last slash
        while let b = it.next() {
            var ch = b
            if ch == ASCII.percent {
                guard let h = it.next().flatMap(ASCII.hexValue), let l = it.next().flatMap(ASCII.hexValue) else {
                    throw .invalidURI
                }
                ch = h << 4 | l
                guard ch != 0 && ch != ASCII.cr && ch != ASCII.lf else { throw .invalidURI }
            }
            if ch == ASCII.slash {
                let before = out.count
                try endSegment(&out, &segmentStart)
                // A dot segment just removed leaves its slash; otherwise `//` stays with merge_slashes off.
                if out.count == before && (out.last != ASCII.slash || !mergeSlashes) { out.append(ASCII.slash) }
                segmentStart = out.count
            } else {
                out.append(ch)
            }
        }
        try endSegment(&out, &segmentStart)
    }

    /// Whether `path` normalizes to itself: it starts with `/` and has no `%`, no segment starting with `.`, and
    /// (merging) no `//`. Most request paths are like that, and are then copied as they are.
    static func isNormalized(_ path: ByteView, mergeSlashes: Bool) -> Bool {
        let n = path.count
        guard n > 0, path[0] == ASCII.slash, path.firstIndex(of: ASCII.percent, from: 0, to: n) == n else { return false }
        var slash = 0
        while slash < n {
            let next = slash + 1
            if next < n {
                let b = path[next]
                if b == ASCII.dot || (mergeSlashes && b == ASCII.slash) { return false }
            }
            slash = path.firstIndex(of: ASCII.slash, from: next, to: n)
        }
        return true
    }

    /// Drops a `.` segment, or a `..` segment with the one before it, at the end of `out`.
    private static func endSegment(_ out: inout [UInt8], _ segmentStart: inout Int) throws(HTTPParseError) {
        let length = out.count - segmentStart
        if length == 1 && out[segmentStart] == ASCII.dot {
            out.removeLast()
        } else if length == 2 && out[segmentStart] == ASCII.dot && out[segmentStart + 1] == ASCII.dot {
            // out[segmentStart - 1] is the slash before "..": the root when it is at 0.
            guard segmentStart >= 2 else { throw .invalidURI }
            var cut = segmentStart - 2
            while out[cut] != ASCII.slash { cut -= 1 }
            out.removeSubrange((cut + 1)...)
            segmentStart = cut + 1
        }
    }

    /// The value of path parameter `;name=value` (name ASCII case-insensitive), ending at `;`, `?`, `/`, `#` or the
    /// end: the `;jsessionid=ID` that servlet containers put in URLs when cookies are off.
    public static func pathParameter<N: Collection<UInt8>>(named name: N, in rawPath: ArraySlice<UInt8>)
        -> ArraySlice<UInt8>?
    {
        var i = rawPath.startIndex
        let end = rawPath.endIndex
        while let semi = rawPath[i...].firstIndex(of: ASCII.semicolon) {
            let nameStart = semi + 1
            let nameEnd = nameStart + name.count
            if nameEnd < end, rawPath[nameEnd] == ASCII.equals,
                ASCII.equalsIgnoringCase(rawPath[nameStart..<nameEnd], name)
            {
                var valueEnd = nameEnd + 1
                while valueEnd < end {
                    let b = rawPath[valueEnd]
                    if b == ASCII.semicolon || b == ASCII.question || b == ASCII.slash || b == ASCII.hash { break }
                    valueEnd += 1
                }
                return rawPath[(nameEnd + 1)..<valueEnd]
            }
            i = nameStart
        }
        return nil
    }
}

/// Query-string lookups with nginx's `$arg_NAME` semantics.
/// ```
/// QueryArgs.value(named: Array("page".utf8), in: head.bytes(head.query!))   // "2" for "?page=2&x"
/// ```
public enum QueryArgs {
    /// The undecoded value of the first argument called `name` (ASCII case-insensitive) at the start of the query
    /// or after `&`, running to the next `&`; nil when absent or when the name has no `=`.
    public static func value<N: Collection<UInt8>>(named name: N, in query: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var i = query.startIndex
        let end = query.endIndex
        while i < end {
            let argEnd = query[i...].firstIndex(of: ASCII.ampersand) ?? end
            let nameEnd = i + name.count
            if nameEnd < argEnd, query[nameEnd] == ASCII.equals, ASCII.equalsIgnoringCase(query[i..<nameEnd], name) {
                return query[(nameEnd + 1)..<argEnd]
            }
            i = argEnd < end ? argEnd + 1 : end
        }
        return nil
    }
}
