import HTTP1

/// auth_request's subrequest and its sink. The handler's head and body are dropped (nginx makes the subrequest
/// header-only); its status, response head and upstream fields stay in the subrequest for the main request to read.
/// The connection holds it (`ClientConnection.authRequest`) from the start until the main request has read the
/// answer, so a client that goes away meanwhile ends the subrequest's upstream too (`abort`).
final class AuthSubrequest: DroppingResponseSink {
    /// The main request, resumed when the answer comes after the start returned.
    let main: Request
    /// What the access modules before auth_request refused with under `satisfy any` (nginx's r->access_code).
    let refusal: Int
    var subrequest: Request?
    private(set) var done = false
    /// The start is still on the stack: it reads an answer that came at once itself.
    var starting = true
    var exchange: ProxyExchange?
    var fileSender: FileSender?

    init(main: Request, refusal: Int) {
        self.main = main
        self.refusal = refusal
    }

    /// The main request goes on at the loop's next turn (nginx posts the parent), not inside the handler that
    /// finished: that one still unwinds through this sink.
    func responseComplete() {
        if done { return }
        done = true
        exchange = nil
        fileSender = nil
        if !starting { main.connection.delayRequest(main, millis: 0) }
    }

    /// The client went away: the subrequest's upstream exchange ends with it.
    func abort() {
        done = true
        abortProducer()
        subrequest = nil
    }
}
