import HTTP1

/// Encodes the request for a FastCGI application (the `.fastcgi` side of the transaction's seam): the
/// FCGI_BEGIN_REQUEST record, the parameters (CGIVars: `fastcgi_param`, then the client's header fields as
/// `HTTP_*`), the end of FCGI_PARAMS, and the end of FCGI_STDIN when no body follows (a body goes as FCGI_STDIN
/// records from `RequestBody`, which ends the stream itself).
enum FastCGIRequest {
    /// `caching`: CGIVars' cache edits (nil: the location does not cache this request). `bodyStreams`: a body of
    /// unknown length follows (a chunked one, decoded as it arrives).
    static func write(_ r: Request, fastcgi f: CGIRuntime, bodyLength: Int64?, bodyStreams: Bool = false,
                      caching: [(name: String, value: [UInt8])]? = nil, into w: inout HeadWriter) {
        var out: [UInt8] = []
        out.reserveCapacity(r.head.bytes.count * 2 + 1024)
        FastCGI.appendBeginRequest(keepConn: f.keepConn, to: &out)
        var pairs = FastCGIPairs(capacity: r.head.bytes.count + 1024)
        CGIVars.write(r, f, caching: caching, into: &pairs)
        if !pairs.bytes.isEmpty { pairs.bytes.withByteView { FastCGI.appendRecords(.params, $0, to: &out) } }
        FastCGI.appendHeader(.params, length: 0, padding: 0, to: &out)
        if !(f.passRequestBody && ((bodyLength ?? 0) > 0 || bodyStreams)) {
            FastCGI.appendHeader(.stdin, length: 0, padding: 0, to: &out)
        }
        w.append(contentsOf: out)
    }
}
