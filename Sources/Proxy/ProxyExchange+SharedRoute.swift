import Balancing

/// `share=memcached://…`: the exchange's side of shared routes (issue 19, part 3). Before the first pick, a
/// session the local table does not know is looked up in memcached; the answer (or the timeout) resumes the
/// exchange at its pick. After a pick or a response, what the table learnt goes to memcached, batched.
extension ProxyExchange: MemcachedLookupWaiter {
    /// Starts this request's lookup; false when the pick can go at once (no session, a local hit, no node).
    func startSharedLookup(_ shared: SharedRoutes) -> Bool {
        guard let policy = upstream?.policy,
              let session = shared.sessionToLookUp(policy.context(for: request), now: worker.now())
        else { return false }
        return worker.memcached(shared).lookup(session, share: shared.share, timeoutMillis: shared.timeoutMillis,
                                               waiter: self) != nil
    }

    /// The client went away while the lookup was under way: its answer is dropped.
    func cancelSharedLookup(_ shared: SharedRoutes) {
        worker.memcached(shared).cancel(waiter: self)
    }

    func memcachedAnswered(_ lookup: MemcachedLookup, value: [UInt8]?) {
        if let shared = upstream?.policy.share {
            if let value {
                shared.adopt(session: lookup.session, value: value, now: worker.now())
            } else {
                shared.misses.note(lookup.session[...], now: worker.now())
            }
        }
        sharedRouteResolved()
    }

    /// Hands the table's waiting writes to this worker's client (sent at the end of the loop pass).
    func sendSharedWrites(_ shared: SharedRoutes) {
        if shared.share.hasWrites { worker.memcached(shared).sendWrites(of: shared.share) }
    }
}
