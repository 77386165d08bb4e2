import Config
import EventLoop

/// `ssl_ocsp` for one connection (nginx's ngx_ssl_ocsp_validate): after the handshake, each certificate of the
/// client's verified chain (the leaf only with `leaf`; never the root) is checked in turn, from the cache or
/// its responder, and the first that is not good, or a check that could not be made, decides. The requests of
/// the connection wait meanwhile; the verdict stays the connection's (`$ssl_client_verify`, the 495 check).
final class ClientOCSPCheck {
    /// Why the certificate is refused, nginx's words (`certificate revoked`); nil once it is good or while
    /// the check runs.
    private(set) var failure: String?
    private(set) var finished = false
    private let config: ClientOCSPRuntime
    private let context: TLSContext
    private unowned let worker: Worker
    private var chain: OCSPChain?
    private var index = 0
    private var fetch: OCSPFetch?
    private var connection: UInt64
    private var whenDone: (() -> Void)?

    /// nginx's texts for a status other than good, and for a check that could not be made.
    static let revoked = "certificate revoked"
    static let unknown = "certificate status unknown"
    static let requestFailed = "certificate status request failed"

    init(config: ClientOCSPRuntime, context: TLSContext, chain: OCSPChain, worker: Worker, connection: UInt64) {
        self.config = config
        self.context = context
        self.chain = chain
        self.worker = worker
        self.connection = connection
    }

    /// Starts the checks; true when they ended already (all answered from the cache), else `done` runs later.
    func start(done: @escaping () -> Void) -> Bool {
        next()
        if finished { return true }
        whenDone = done
        return false
    }

    /// The connection closed: the request in flight is dropped.
    func cancel() {
        whenDone = nil
        if let f = fetch { worker.ocspFetcher.cancel(f) }
        fetch = nil
        chain = nil
    }

    private func next() {
        guard let chain else { return }
        while true {
            // The root is not checked; with `leaf`, only the client's own certificate.
            if index >= chain.count - 1 || (config.leafOnly && index == 1) { return end(nil) }
            guard let request = chain.request(at: index) else { return end(Self.requestFailed, log: "OCSP_cert_to_id() failed") }
            let target: OCSPTarget
            switch config.target(aia: config.responder == nil ? chain.responder(at: index) : nil) {
            case .success(let t): target = t
            case .failure(let f): return end(Self.requestFailed, log: f.message)
            }
            let now = Clock.wallTime().seconds
            if let status = config.cache?.lookup(request, now: now) {
                if let bad = Self.text(OCSPCertStatus(rawValue: status) ?? .unknown) { return end(bad) }
                index += 1
                continue
            }
            fetch = worker.ocspFetcher.start(target, request: request) { [unowned self] result in
                self.fetch = nil
                self.answered(result, request: request, target: target)
            }
            return
        }
    }

    private func answered(_ result: Result<[UInt8], OCSPFetch.Failure>, request: [UInt8], target: OCSPTarget) {
        guard let chain else { return }
        let where_ = ", responder: \(target.url.host)"
        switch result {
        case .failure(let f):
            return end(Self.requestFailed, log: f.message + where_)
        case .success(let der):
            switch chain.check(der, at: index, context: context) {
            case .refused(let why):
                return end(Self.requestFailed, log: why + " while requesting certificate status" + where_)
            case .status(let status, let nextUpdate):
                config.cache?.store(request, status: status.rawValue, nextUpdate: nextUpdate, now: Clock.wallTime().seconds)
                if let bad = Self.text(status) { return end(bad) }
                index += 1
                next()
            }
        }
    }

    static func text(_ status: OCSPCertStatus) -> String? {
        switch status {
        case .good: return nil
        case .revoked: return revoked
        case .unknown: return unknown
        }
    }

    private func end(_ failure: String?, log: String? = nil) {
        if let log { worker.log(.error, log, connection) }
        self.failure = failure
        finished = true
        chain = nil
        let f = whenDone
        whenDone = nil
        f?()
    }
}
