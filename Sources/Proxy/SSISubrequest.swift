import EventLoop
import HTTP1
import ASCIIBytes

/// An SSI include's subrequest: a GET for the URI, with the parent's header fields (less those about a body,
/// ranges, conditions and upgrades, which concern the parent's response), through the same phases as any
/// request — server rewrites, the location search, the location's script, access, try_files and the handler —
/// writing into the include's splice instead of the client. HTTP/1.0, so handlers never chunk its body.
enum SSISubrequest {
    private static let dropped: [StaticString] = [
        "content-length", "transfer-encoding", "expect", "range", "if-range", "if-modified-since",
        "if-unmodified-since", "if-none-match", "if-match", "upgrade", "connection", "keep-alive", "te",
    ]

    static func start(uri: [UInt8], args: [UInt8]?, parent: Request, include: SSIInclude) {
        let c = parent.connection
        guard let parentHead = parent.head else { include.failed = true; return include.responseComplete() }
        var wire = Array("GET ".utf8) + uri
        if let a = args { wire.append(UInt8(ascii: "?")); wire.append(contentsOf: a) }
        wire.append(contentsOf: Array(" HTTP/1.0\r\n".utf8))
        let b = parentHead.bytes
        for f in parentHead.headers {
            let name = b[f.name.start..<f.name.end]
            if dropped.contains(where: { ASCII.equalsLowercased(name, $0) }) { continue }
            wire.append(contentsOf: name); wire.append(contentsOf: [58, 32])
            wire.append(contentsOf: b[f.value.start..<f.value.end]); wire.append(contentsOf: [13, 10])
        }
        wire.append(contentsOf: [13, 10])
        var parser = RequestHeadParser()
        guard case .complete(let head, _) = wire.withByteView({ parser.parse($0) }) else {
            include.failed = true
            return include.responseComplete()
        }
        let r = c.worker.request(for: c)
        r.reset()
        r.sink = include
        include.subrequest = r
        r.ssi = SSIRequestState(main: parent.ssiMain ?? SSIMainContext(), depth: parent.ssiDepth - 1, include: include)
        r.head = head
        r.server = parent.server
        r.uri = uri
        if let a = args { r.args = a[...]; r.hasArgs = true }
        r.isInternal = true
        r.startNanos = Clock.monotonicNanos()
        r.userVariables = parent.userVariables
        r.mapValues = Array(repeating: nil, count: parent.mapValues.count)
        r.realClient = parent.realClient
        c.answering(r) { Router.process(r, c) }
    }
}
