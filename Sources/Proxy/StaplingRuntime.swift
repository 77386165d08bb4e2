import Config
import EventLoop

/// `ssl_stapling` with responders for one context (nginx's ngx_ssl_stapling_update): the context holds each
/// certificate's response (OpenSSL-unsafe.swift, its OCSP part), served to every client that asks while it is valid; a
/// handshake that finds one due (never fetched, an hour old, or near its nextUpdate) has its worker fetch it,
/// so the first client gets no staple, as with nginx. A failed fetch is tried again five minutes later.
final class StaplingRuntime: Sendable {
    let context: TLSContext
    /// By certificate, in the order loaded: where its status is asked (nil: nowhere, said at load).
    let targets: [OCSPTarget?]

    init(context: TLSContext, targets: [OCSPTarget?]) {
        self.context = context
        self.targets = targets
    }

    /// Fetches certificate `index`'s response (marked as being fetched by the handshake that found it due).
    func refresh(_ index: Int, worker: Worker) {
        let ctx = context
        let now = Clock.wallTime().seconds
        guard index < targets.count, let target = targets[index], let request = ctx.stapleRequest(index) else {
            return ctx.stapleFailed(index, now: now)
        }
        worker.ocspFetcher.start(target, request: request) { [unowned worker] result in
            let now = Clock.wallTime().seconds
            let tail = " while requesting certificate status, responder: \(target.url.host)"
            switch result {
            case .success(let der):
                if let why = ctx.storeStaple(index, der, now: now) { worker.log(.error, why + tail, 0) }
            case .failure(let f):
                ctx.stapleFailed(index, now: now)
                worker.log(.error, f.message + ", responder: \(target.url.host)", 0)
            }
        }
    }
}
