import Config
import HTTP1

/// `auth_request` + `auth_request_set` of one location, compiled.
struct AuthRequestRuntime {
    let uri: [UInt8]
    let sets: [(target: SetTarget, value: CompiledTemplate)]
}

/// nginx's ngx_http_auth_request_handler, the last access module: a subrequest to the URI decides. 2xx lets the
/// request in; 401 (with the subrequest's `WWW-Authenticate` fields) and 403 refuse it; anything else is a 500.
enum AuthRequestPhase {
    enum Outcome {
        /// The subrequest is under way: the connection resumes the request when it answered.
        case held
        case allowed
        case refused(Int)
    }

    private static let challengeName = Array("www-authenticate".utf8)

    /// Starts the subrequest, or reads its answer when the access phase runs again after it (`c.authRequest`).
    /// `refusal`: what the modules before it said under `satisfy any`, kept for the resumed phase.
    static func run(_ ar: AuthRequestRuntime, refusal: Int, _ r: Request, _ c: ClientConnection) -> Outcome {
        if let answered = c.authRequest {
            guard answered.done else { return .held }   // its sink must outlive the subrequest's producer
            c.authRequest = nil   // an internal redirect asks again, as nginx's clears the module's context
            return answer(answered, ar, r, c)
        }
        let auth = AuthSubrequest(main: r, refusal: refusal)
        guard let sub = Subrequest.make(uri: ar.uri, args: nil, parent: r, sink: auth) else {
            c.worker.log(.error, "auth request to \"\(String(decoding: ar.uri, as: UTF8.self))\" could not be made", c)
            return .refused(500)
        }
        auth.subrequest = sub
        c.authRequest = auth
        c.answering(sub) { Router.process(sub, c) }
        auth.starting = false
        // Closed by the subrequest (`return 444`), or still running: nothing more to do here.
        guard c.authRequest === auth, auth.done else { return .held }
        c.authRequest = nil
        return answer(auth, ar, r, c)
    }

    /// nginx sets the variables before it reads the status, so an error_page for the refusal sees them too.
    private static func answer(_ auth: AuthSubrequest, _ ar: AuthRequestRuntime, _ r: Request,
                               _ c: ClientConnection) -> Outcome {
        guard let sub = auth.subrequest else { return .refused(500) }
        for s in ar.sets { s.target.assign(sub.evaluate(s.value), to: r, c) }
        let status = sub.status
        if status >= 200 && status < 300 { return .allowed }
        if status == 403 { return .refused(403) }
        if status == 401 {
            HeaderScan.forEachValue(of: challengeName, inHead: sub.responseHead) { r.addChallenge($0) }
            return .refused(401)
        }
        c.worker.log(.error, "auth request unexpected status: \(status)", c)
        return .refused(500)
    }
}
