import Config
import EventLoop
import HTTP1

/// `mirror` URIs and `mirror_request_body` of one location, compiled.
struct MirrorRuntime {
    let uris: [[UInt8]]
    let requestBody: Bool
}

/// A mirror subrequest's copy of its main request's body: in memory, or the main request's temp file, shared
/// (read with offsets of its own, kept open while any reader holds it).
enum MirroredBody {
    case memory([UInt8])
    case file(BodySpool)

    var count: Int64 {
        switch self {
        case .memory(let b): return Int64(b.count)
        case .file(let s): return s.size
        }
    }
}

/// ngx_http_mirror_module's precontent handler, after try_files: a main request makes one background subrequest per
/// `mirror` URI, with its own method and args, whose answers are dropped (MirrorSubrequest). With
/// `mirror_request_body on` (the default) the body is read whole first and each mirror sends a copy with its
/// length, as nginx does. A Content-Length body up to client_body_buffer_size is read here, before the request
/// goes on (the copy is taken from the connection's input, not consumed: the request reads it as usual). A larger
/// or chunked body, in a location that proxies, is read by the proxy (buffered, whatever
/// proxy_request_buffering says, as nginx's mirror_request_body turns unbuffered proxying off): the mirrors
/// start once it is whole, before the request goes upstream, from memory or the shared temp file. The main
/// request does not wait for its mirrors; the connection reads its next request only once they finished
/// (MirrorSet).
enum MirrorPhase {
    /// False while the request waits for its body: the connection goes on with `bodyArrived` once it is all here.
    static func run(_ m: MirrorRuntime, _ r: Request, _ c: ClientConnection) -> Bool {
        if r.isSubrequest { return true }   // nginx mirrors the main request only
        guard m.requestBody, let n = prereadLength(r, c) else {
            if m.requestBody, case .length(let n) = c.unreadBody, r.location.clientMaxBodySize > 0,
               n > r.location.clientMaxBodySize {
                return true   // the request gets its 413, and no mirror is made (nginx reads the body first)
            }
            if m.requestBody && proxyReadsWholeBody(r, c) {
                r.mirrorsAwaitingBody = m   // ProxyExchange starts them once the body is read
            } else {
                start(m, r, c, body: nil)
            }
            return true
        }
        if c.input.readableCount < n {
            c.sendContinue()
            c.mirrorSet.bodyWait = (r, m, n)
            c.wantBody(timeoutMillis: r.location.clientBodyTimeoutMillis)
            return false
        }
        start(m, r, c, body: .memory(Array(c.input.view(prefix: n))))
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

    /// Whether the body is one the location's proxy reads whole before going upstream, and mirrors can wait for:
    /// a chunked body or one larger than client_body_buffer_size, proxied without a
    /// cache (a HIT skips the body) to an upstream that takes one (not memcached). Other handlers do not read a
    /// body: their mirrors go without it (README's differences).
    private static func proxyReadsWholeBody(_ r: Request, _ c: ClientConnection) -> Bool {
        guard case .proxy(let p) = r.location.action, p.cache == nil else { return false }
        if case .memcached? = p.cgi?.wire { return false }
        switch c.unreadBody {
        case .chunked: return true
        case .length(let n): return n > 0
        default: return false
        }
    }

    /// The body the request waited for is all in the connection's input: the mirrors start, the request goes on.
    static func bodyArrived(_ c: ClientConnection) {
        guard let (r, m, n) = c.mirrorSet.bodyWait, c.input.readableCount >= n else { return }
        c.mirrorSet.bodyWait = nil
        c.bodyComplete()
        start(m, r, c, body: .memory(Array(c.input.view(prefix: n))))
        Router.dispatch(r, connection: c)
    }

    static func start(_ m: MirrorRuntime, _ r: Request, _ c: ClientConnection, body: MirroredBody?) {
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
