import Config

/// A location's `lingering_close`, `lingering_time` and `lingering_timeout` (nginx's defaults: on, 30 s, 5 s).
struct Lingering: Sendable {
    var mode: LingeringClose = .on
    var timeMillis = 30_000
    var timeoutMillis = 5_000

    static let standard = Lingering()

    /// Whether a connection that will not be kept alive reads on before it closes. `mayStillSend` is nginx's
    /// heuristic for `on`: a body left unread, bytes already read past the request (pipelined), or a request
    /// refused while its body may be on the way.
    func lingers(mayStillSend: Bool) -> Bool {
        switch mode {
        case .off: return false
        case .always: return true
        case .on: return mayStillSend
        }
    }
}
