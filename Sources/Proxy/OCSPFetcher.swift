import EventLoop

/// A worker's OCSP requests in flight (client certificate checks, staple refreshes): it owns each `OCSPFetch`
/// until the events that ended it have unwound (as HealthProber's graveyard), so an owner may forget its fetch
/// inside `finish` or `cancel` it from anywhere.
final class OCSPFetcher {
    private unowned let worker: Worker
    private var running: [ObjectIdentifier: OCSPFetch] = [:]
    private var graveyard: [OCSPFetch] = []
    private var reaper: Watcher!

    init(worker: Worker) {
        self.worker = worker
        reaper = Watcher.timer(loop: worker.loop) { [unowned self] in self.graveyard.removeAll() }
    }

    /// Starts a request; `finish` runs once, later, unless the returned fetch is cancelled first.
    @discardableResult
    func start(_ target: OCSPTarget, request: [UInt8],
               finish: @escaping (Result<[UInt8], OCSPFetch.Failure>) -> Void) -> OCSPFetch {
        var made: OCSPFetch?
        let fetch = OCSPFetch(worker: worker, target: target, request: request) { [unowned self] result in
            if let f = made { self.bury(f) }
            made = nil
            finish(result)
        }
        made = fetch
        running[ObjectIdentifier(fetch)] = fetch
        fetch.start()
        return fetch
    }

    func cancel(_ fetch: OCSPFetch) {
        fetch.cancel()
        bury(fetch)
    }

    private func bury(_ fetch: OCSPFetch) {
        guard running.removeValue(forKey: ObjectIdentifier(fetch)) != nil else { return }
        graveyard.append(fetch)
        reaper.fireSoon()
    }
}
