import HTTP1

/// Encodes the request for an SCGI application (the `.scgi` side of the transaction's seam): the netstring of
/// CONTENT_LENGTH (the body's length, 0 without one) and then CGIVars (`scgi_param`, then the client's header
/// fields as `HTTP_*`). The body follows as it is, from `RequestBody`.
enum SCGIRequest {
    static func write(_ r: Request, scgi f: CGIRuntime, bodyLength: Int64?,
                      caching: [(name: String, value: [UInt8])]? = nil, into w: inout HeadWriter) {
        var headers = SCGIHeaders(contentLength: f.passRequestBody ? max(bodyLength ?? 0, 0) : 0,
                                  capacity: r.head.bytes.count + 1024)
        CGIVars.write(r, f, caching: caching, into: &headers)
        w.append(contentsOf: headers.netstring())
    }
}
