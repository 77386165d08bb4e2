/// nginx's `c->data`: the request a connection's code answers is the current one, and a subrequest is current
/// while its own code runs. Handlers reach their request through the connection (`c.request`) in a few places
/// (error pages, `return`), so a subrequest's phases and its handler's answers run inside `answering`.
extension ClientConnection {
    func answering(_ r: Request, _ body: () -> Void) {
        let saved = currentRequest
        if saved === r { return body() }
        currentRequest = r
        body()
        if currentRequest === r { currentRequest = saved }
    }
}
