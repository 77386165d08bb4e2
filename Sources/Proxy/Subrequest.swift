import EventLoop
import HTTP1
import ASCIIBytes

/// nginx's ngx_http_subrequest, as SSI's `include` and `auth_request` use it: a GET for the URI, with the parent's
/// header fields less those about a body, ranges, conditions and upgrades (they concern the parent's response, and
/// a subrequest has no body), writing into `sink` instead of the client. HTTP/1.0, so handlers never chunk its
/// body. A mirror's subrequest keeps the parent's method and may carry a copy of its body (`body`, sent with
/// its length). The caller keeps what it needs of the request, then routes it (`Router.process` inside `answering`).
enum Subrequest {
    private static let dropped: [StaticString] = [
        "content-length", "transfer-encoding", "expect", "range", "if-range", "if-modified-since",
        "if-unmodified-since", "if-none-match", "if-match", "upgrade", "connection", "keep-alive", "te",
    ]

    /// The subrequest, ready to route; nil when its head does not parse (a URI with bytes a request line refuses).
    /// `escaped`: the head's target is the URI percent-encoded (as nginx sends a subrequest's URI upstream), so a
    /// decoded `$uri` with spaces or `%` still makes a request line.
    static func make(uri: [UInt8], args: [UInt8]?, parent: Request, sink: any ResponseSink,
                     escaped: Bool = false, parentsMethod: Bool = false, body: MirroredBody? = nil) -> Request? {
        let c = parent.connection
        guard let parentHead = parent.head else { return nil }
        var wire = parentsMethod ? Array(parentHead.bytes(parentHead.methodRange)) + [32] : Array("GET ".utf8)
        if escaped { URIEscape.append(uri, .uri, to: &wire) } else { wire.append(contentsOf: uri) }
        if let a = args { wire.append(UInt8(ascii: "?")); wire.append(contentsOf: a) }
        wire.append(contentsOf: Array(" HTTP/1.0\r\n".utf8))
        let b = parentHead.bytes
        for f in parentHead.headers {
            let name = b[f.name.start..<f.name.end]
            if dropped.contains(where: { ASCII.equalsLowercased(name, $0) }) { continue }
            wire.append(contentsOf: name); wire.append(contentsOf: [58, 32])
            wire.append(contentsOf: b[f.value.start..<f.value.end]); wire.append(contentsOf: [13, 10])
        }
        if let body {
            wire.append(contentsOf: Array("Content-Length: ".utf8))
            ASCIIDecimal.append(Int(body.count), to: &wire)
            wire.append(contentsOf: [13, 10])
        }
        wire.append(contentsOf: [13, 10])
        var parser = RequestHeadParser()
        guard case .complete(let head, _) = wire.withByteView({ parser.parse($0) }) else { return nil }
        let r = c.worker.request(for: c)
        r.reset()
        r.sink = sink
        r.isSubrequest = true
        r.head = head
        r.server = parent.server
        r.uri = uri
        if let a = args { r.args = a[...]; r.hasArgs = true }
        r.isInternal = true
        r.startNanos = Clock.eventNanos()
        r.userVariables = parent.userVariables
        r.mapValues = Array(repeating: nil, count: parent.mapValues.count)
        r.realClient = parent.realClient
        if let body {
            r.mirroredBody = body
            switch body {
            case .memory(let bytes): r.requestBody = bytes
            case .file(let spool): r.requestBodyFile = Array(spool.path.utf8)
            }
        }
        return r
    }
}
