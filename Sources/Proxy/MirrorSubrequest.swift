import Config
import EventLoop
import HTTP1

/// One mirror's subrequest and its sink: the answer is dropped (nginx makes it header-only and discards it). With
/// `log_subrequest on` at its location it is logged when it completes.
final class MirrorSubrequest: DroppingResponseSink {
    unowned let connection: ClientConnection
    var subrequest: Request?
    private(set) var done = false
    var exchange: ProxyExchange?
    var fileSender: FileSender?

    init(connection: ClientConnection) { self.connection = connection }

    func responseComplete() {
        if done { return }
        done = true
        exchange = nil
        fileSender = nil
        if let sub = subrequest, sub.location?.logSubrequest == true { connection.worker.logAccess(sub) }
        connection.mirrorSet.finished(self, connection)
    }

    /// The client went away: the subrequest's upstream exchange ends with it.
    func abort() {
        done = true
        abortProducer()
        subrequest = nil
    }
}

/// A connection's mirrors: those under way, a request waiting for the body they copy, and whether the finished main
/// request waits for them before the connection reads its next request (nginx's r->main->count). Made on first use.
final class MirrorSet {
    var running: [MirrorSubrequest] = []
    var bodyWait: (request: Request, runtime: MirrorRuntime, length: Int)?
    /// The main request's response is out; the connection finishes it when the last mirror is done.
    var finishHeld = false
    /// The finished request's post_action subrequest was made (PostAction.swift): it is not made again when the
    /// connection comes back to finish the request.
    var postActionRan = false
    private var timer: Watcher?

    var holds: Bool { !running.isEmpty }

    /// A mirror completed. The connection goes on at the loop's next turn: the handler that finished still
    /// unwinds through the sink.
    func finished(_ m: MirrorSubrequest, _ c: ClientConnection) {
        running.removeAll { $0 === m }
        guard running.isEmpty, finishHeld else { return }
        if timer == nil { timer = Watcher.timer(loop: c.worker.loop) { [unowned c] in c.mirrorsFinished() } }
        timer!.arm(exactMillis: 0)
    }

    func abort() {
        timer?.disarm()
        bodyWait = nil
        let all = running
        running = []
        for m in all { m.abort() }
    }
}
