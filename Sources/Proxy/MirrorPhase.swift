import Config
import EventLoop
import HTTP1

/// `mirror` URIs and `mirror_request_body` of one location, compiled.
struct MirrorRuntime {
    let uris: [[UInt8]]
    let requestBody: Bool
}

/// ngx_http_mirror_module's precontent handler, after try_files: a main request makes one background subrequest per
/// `mirror` URI, with its own method and args, whose answers are dropped (MirrorSubrequest). With
/// `mirror_request_body on` (the default) a Content-Length body is read first and each mirror sends a copy; the
/// request itself then reads it as usual (the copy is taken from the connection's input, not consumed). The main
/// request does not wait for its mirrors; the connection reads its next request only once they finished (MirrorSet).
enum MirrorPhase {
    /// False while the request waits for its body: the connection goes on with `bodyArrived` once it is all here.
    static func run(_ m: MirrorRuntime, _ r: Request, _ c: ClientConnection) -> Bool {
        if r.isSubrequest { return true }   // nginx mirrors the main request only
        guard m.requestBody, let n = prereadLength(r, c) else {
            start(m, r, c, body: nil)
            return true
        }
        if c.input.readableCount < n {
            if r.head.expectsContinue, c.input.isEmpty { _ = c.send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
            c.mirrorSet.bodyWait = (r, m, n)
            c.wantBody(timeoutMillis: r.location.clientBodyTimeoutMillis)
            return false
        }
        start(m, r, c, body: Array(c.input.view(prefix: n)))
        return true
    }

    /// How many body bytes the mirrors need read first, or nil for none: no body, or one this reading does not
    /// copy (chunked, larger than client_body_buffer_size, or refused by client_max_body_size: the mirrors then
    /// go without it, README's differences).
    private static func prereadLength(_ r: Request, _ c: ClientConnection) -> Int? {
        guard case .length(let n) = c.unreadBody, n > 0 else { return nil }
        let loc = r.location!
        if loc.clientMaxBodySize > 0 && n > loc.clientMaxBodySize { return nil }
        return n <= Int64(loc.clientBodyBufferSize) ? Int(n) : nil
    }

    /// The body the request waited for is all in the connection's input: the mirrors start, the request goes on.
    static func bodyArrived(_ c: ClientConnection) {
        guard let (r, m, n) = c.mirrorSet.bodyWait, c.input.readableCount >= n else { return }
        c.mirrorSet.bodyWait = nil
        c.bodyComplete()
        start(m, r, c, body: Array(c.input.view(prefix: n)))
        Router.dispatch(r, connection: c)
    }

    private static func start(_ m: MirrorRuntime, _ r: Request, _ c: ClientConnection, body: [UInt8]?) {
        for uri in m.uris {
            let sink = MirrorSubrequest(connection: c)
            guard let sub = Subrequest.make(uri: uri, args: r.hasArgs ? Array(r.args) : nil, parent: r, sink: sink,
                                            parentsMethod: true, body: body) else {
                c.worker.log(.error, "mirror subrequest to \"\(String(decoding: uri, as: UTF8.self))\" could not be made", c)
                continue
            }
            sink.subrequest = sub
            c.mirrorSet.running.append(sink)
            c.answering(sub) { Router.process(sub, c) }
        }
    }
}
