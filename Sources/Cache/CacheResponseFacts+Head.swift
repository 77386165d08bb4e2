public import HTTP1
import ASCIIBytes

extension CacheResponseFacts {
    /// The cache-relevant fields of an upstream response head (several lines of one name joined with ", ").
    /// `targetFields`: RFC 9213's target list (`CacheRules.targetFields`); the first with a valid value becomes
    /// `targeted`.
    public init(_ resp: ResponseHead, targetFields: [[UInt8]]) {
        self.init(status: resp.status)
        cacheControl = Self.joined(resp, "cache-control".utf8)
        // A duplicate Expires or X-Accel-Expires is ignored: the first line counts, as in nginx.
        expires = resp.firstHeader("expires").map { Array($0) }
        xAccelExpires = resp.firstHeader("x-accel-expires").map { Array($0) }
        vary = Self.joined(resp, "vary".utf8)
        hasSetCookie = resp.firstHeader("set-cookie") != nil
        date = resp.firstHeader("date").map { Array($0) }
        age = resp.firstHeader("age").map { Array($0) }
        if !targetFields.isEmpty { targeted = CacheTargetedField.select(targetFields.map { Self.joined(resp, $0) }) }
    }

    /// The directives that decide for a stored or received head: the targeted field's, else `Cache-Control`'s.
    public static func directives(of resp: ResponseHead, targetFields: [[UInt8]]) -> [UInt8]? {
        if !targetFields.isEmpty, let t = CacheTargetedField.select(targetFields.map { joined(resp, $0) }) { return t }
        return joined(resp, "cache-control".utf8)
    }

    static func joined<N: Collection<UInt8>>(_ resp: ResponseHead, _ name: N) -> [UInt8]? {
        var out: [UInt8]? = nil
        for h in resp.headers where ASCII.equalsIgnoringCase(resp.bytes(h.name), name) {
            if out != nil { out! += [44, 32] }
            out = (out ?? []) + resp.bytes(h.value)
        }
        return out
    }
}
