public import HTTP1
import ASCIIBytes

/// The response head a cache entry keeps, and its update by a 304 (RFC 9111 §3.1, §3.2, §4.3.4).
///
///     let head = CacheStoredHead.forStorage(resp)                  // no Connection, no field it names, no Age
///     let updated = CacheStoredHead.updated(stored, with: notModified)   // the 304's fields replace the stored ones
///
/// Built when a response is stored or revalidated, never on a HIT: a HIT relays the stored fields as they are.
public enum CacheStoredHead {
    /// The head to store: the upstream's, without `Connection`, the fields it names (RFC 9110 §7.6.1: they are
    /// for the hop that brought the response) and `Age` (the entry's age is computed when served: CacheAge).
    /// The upstream's bytes unchanged when there is nothing to leave out.
    /// `without`: more lowercased field names to leave out (`CacheStorePlan.strippedFields`).
    public static func forStorage(_ resp: ResponseHead, without: [[UInt8]] = []) -> [UInt8] {
        let listed = connectionListed(resp) + without
        guard resp.headers.contains(where: { leftOut(resp, $0, listed) }) else { return resp.bytes }
        return rebuild(statusLineOf: resp, fields: resp.headers.lazy.filter { !leftOut(resp, $0, listed) }.map { (resp, $0) })
    }

    /// The stored head after a 304 (RFC 9111 §3.2): every field the 304 carries replaces all stored fields of that
    /// name, the others stay. Not taken from the 304: the framing and content fields the stored body depends on
    /// (`Content-Length`, `Content-Encoding`, `Content-Range`, `Transfer-Encoding`), `Age`, hop-by-hop fields,
    /// `Connection` and the fields it names.
    /// `without`: lowercased names the updated head leaves out (the updated directives' `strippedFields`).
    public static func updated(_ stored: ResponseHead, with notModified: ResponseHead, without: [[UInt8]] = []) -> [UInt8] {
        let listed = connectionListed(notModified) + without
        let taken = notModified.headers.filter { h in
            !leftOut(notModified, h, listed) && !keptFromStored.contains { ASCII.equalsIgnoringCase(notModified.bytes(h.name), $0) }
        }
        func replaced(_ h: HeaderField) -> Bool {
            let name = stored.bytes(h.name)
            return taken.contains { ASCII.equalsIgnoringCase(notModified.bytes($0.name), name) }
        }
        let storedListed = connectionListed(stored) + without
        let kept = stored.headers.filter { !replaced($0) && !leftOut(stored, $0, storedListed) }
        return rebuild(statusLineOf: stored, fields: kept.map { (stored, $0) } + taken.map { (notModified, $0) })
    }

    /// The field names the `Connection` fields list, lowercased (with `close` and `keep-alive`, which name no
    /// field). Empty, without allocating, when there is no `Connection` field.
    public static func connectionListed(_ head: ResponseHead) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for h in head.headers where h.name.end - h.name.start == 10 && ASCII.equalsLowercased(head.bytes(h.name), "connection") {
            for token in head.bytes(h.value).split(separator: UInt8(ascii: ",")) {
                let t = ASCII.trim(token)
                if !t.isEmpty { out.append(ASCII.lowercased(t)) }
            }
        }
        return out
    }

    /// Fields never stored: hop-by-hop ones (RFC 9110 §7.6.1), those `Connection` names, and `Age`.
    private static func leftOut(_ head: ResponseHead, _ h: HeaderField, _ listed: [[UInt8]]) -> Bool {
        let name = head.bytes(h.name)
        return neverStored.contains { ASCII.equalsIgnoringCase(name, $0) }
            || listed.contains { ASCII.equalsIgnoringCase(name, $0) }
    }

    /// `Transfer-Encoding` stays in a stored head (it tells how the stored response came; it is never relayed).
    private static let neverStored: [[UInt8]] = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                                                "age"].map { Array($0.utf8) }
    private static let keptFromStored: [[UInt8]] = ["content-length", "content-encoding", "content-range",
                                                   "transfer-encoding"].map { Array($0.utf8) }

    /// The status line of `head` as received, then `Name: value` lines and the blank line.
    private static func rebuild<S: Sequence>(statusLineOf head: ResponseHead, fields: S) -> [UInt8]
    where S.Element == (ResponseHead, HeaderField) {
        let b = head.bytes
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 64)
        let lineEnd = (b.firstIndex(of: 10) ?? (b.count - 1)) + 1
        out += b[0..<lineEnd]
        for (h, f) in fields {
            out += h.bytes(f.name)
            out += [58, 32]
            out += h.bytes(f.value)
            out += [13, 10]
        }
        out += [13, 10]
        return out
    }
}
