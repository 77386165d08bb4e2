import HTTP1

/// Encodes the request for a uwsgi application (the `.uwsgi` side of the transaction's seam): one packet of
/// vars (CGIVars: `uwsgi_param`, then the client's header fields as `HTTP_*`) behind the header with
/// `uwsgi_modifier1` and `uwsgi_modifier2`. The body follows as it is, from `RequestBody`.
enum UWSGIRequest {
    /// nil when the vars do not fit the packet's 16-bit size: nginx's "uwsgi request is too big" and a 500; the
    /// size is returned for that line.
    static func write(_ r: Request, uwsgi f: CGIRuntime, modifier1: UInt8, modifier2: UInt8,
                      caching: [(name: String, value: [UInt8])]? = nil, into w: inout HeadWriter) -> Int? {
        var packet = UWSGIPacket(capacity: r.head.bytes.count + 1024)
        CGIVars.write(r, f, caching: caching, into: &packet)
        guard let bytes = packet.finish(modifier1: modifier1, modifier2: modifier2) else { return packet.size }
        w.append(contentsOf: bytes)
        return nil
    }
}
