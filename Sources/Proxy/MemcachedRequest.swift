import HTTP1

/// What a `memcached_pass` location sends (nginx's ngx_http_memcached_module): `get KEY\r\n`, KEY being
/// `$memcached_key` escaped (MemcachedReply.escapeKey). GET and HEAD only; the request's body is read and
/// dropped (`passRequestBody` off), as nginx discards it.
enum MemcachedRequest {
    /// The escaped key, or nil when `$memcached_key` is unset or empty.
    static func key(_ r: Request, _ f: CGIRuntime) -> [UInt8]? {
        guard let t = f.memcachedKey else { return nil }
        var raw: [UInt8] = []
        r.evaluate(t, into: &raw)
        if raw.isEmpty { return nil }
        var key: [UInt8] = []
        key.reserveCapacity(raw.count)
        MemcachedReply.escapeKey(raw, into: &key)
        return key
    }

    static func write(_ r: Request, _ f: CGIRuntime, into w: inout HeadWriter) -> CGIRequest.Refusal? {
        guard r.head.method == .get || r.head.method == .head else { return .memcachedMethod }
        guard let key = key(r, f) else { return .memcachedKeyUnset }
        w.append("get ")
        w.append(key)
        w.append("\r\n")
        return nil
    }
}
