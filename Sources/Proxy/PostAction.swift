import Config
import EventLoop

/// nginx's post_action (core module, undocumented): once a main request's response is finished, the request
/// goes on to a URI or a named location, with its method and without its args, header only; what that answers
/// is discarded. Here it is a background subrequest of the finished request, as a mirror's (MirrorSubrequest):
/// the connection logs the request and reads the next one only when it is done (MirrorSet's hold).
enum PostAction {
    /// True when the post action started and holds the connection; false when it already ran for this request
    /// (the connection then finishes it) or could not be made.
    static func run(_ target: [UInt8], _ r: Request, _ c: ClientConnection) -> Bool {
        let m = c.mirrorSet
        if m.postActionRan { m.postActionRan = false; return false }
        let named = target.first == UInt8(ascii: "@")
        let sink = MirrorSubrequest(connection: c)
        guard let sub = Subrequest.make(uri: named ? r.uri : target, args: nil, parent: r, sink: sink,
                                        parentsMethod: true) else {
            c.worker.log(.error, "post action to \"\(String(decoding: target, as: UTF8.self))\" could not be made", c)
            return false
        }
        sink.subrequest = sub
        m.postActionRan = true
        m.running.append(sink)
        m.finishHeld = true
        c.answering(sub) {
            if named { InternalRedirect.toNamed(target, sub, c) } else { Router.process(sub, c) }
        }
        return true
    }
}
