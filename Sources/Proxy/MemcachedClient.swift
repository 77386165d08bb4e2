import Balancing
import Config
import EventLoop

/// A worker's memcached client for one `share=` node list (issue 19, part 3): lookups for the first pick of a
/// request whose session the local table does not know, and the tables' writes, batched. It runs on the
/// worker's own loop and never blocks it: a lookup is answered through its waiter, before its deadline.
///
/// The protocol is memcached's text protocol (`MemcachedText`, `MemcachedReplyParser`); `MemcachedNodes` says
/// which nodes hold a key. A lookup asks the key's first live node, and the next one on a miss or a failure
/// (a node that was down misses what was written meanwhile). Writes drained from a table's outbox go to every
/// live node holding the key, all of one loop pass in one send per node (a 0 ms timer runs after the pass).
final class MemcachedClient {
    let nodes: MemcachedNodes
    let loop: Loop
    private unowned let worker: Worker
    private var connections: [MemcachedNodeConnection] = []
    /// Lookups not yet expired, oldest first (finished ones leave at the next deadline pass).
    private var active: [MemcachedLookup] = []
    private var deadlineTimer: Watcher!
    /// When `deadlineTimer` fires (.max: not armed).
    private var timerDeadline: UInt64 = .max
    private var flushTimer: Watcher!
    /// Watchers of replaced connections, freed after the callback that replaced them has unwound.
    private var retired: [Watcher] = []
    /// The outboxes this client has drained: the worker's 1 s timer drains them again (writes made by a pick
    /// whose request never reached a response).
    private var outboxes: [RouteShare] = []

    init(nodes: MemcachedNodes, addresses: [SocketAddress], worker: Worker) {
        self.nodes = nodes
        self.worker = worker
        loop = worker.loop
        connections = addresses.enumerated().map { MemcachedNodeConnection(index: $0.offset, address: $0.element, client: self) }
        deadlineTimer = Watcher.timer(loop: loop) { [unowned self] in self.expire() }
        flushTimer = Watcher.timer(loop: loop) { [unowned self] in self.flush() }
    }

    func log(_ level: LogLevel, _ message: String) { worker.log(level, message, 0) }

    // MARK: - Lookups

    /// Starts the lookup of `session` in `share`, or returns nil when no node can be asked now (the caller picks
    /// at once). The waiter hears back once, never from inside this call.
    @discardableResult
    func lookup(_ session: [UInt8], share: RouteShare, timeoutMillis: Int, waiter: any MemcachedLookupWaiter) -> MemcachedLookup? {
        let key = share.key(for: session)
        let now = Clock.monotonicNanos()
        let lookup = MemcachedLookup(session: session, key: key, replicas: nodes.replicas(forKey: key),
                                     deadlineNanos: now &+ UInt64(timeoutMillis) &* 1_000_000)
        // Every node refused at once (or failed while it was being sent the lookup): the caller picks now.
        guard dispatch(lookup, now: now), !lookup.done else { return nil }
        lookup.attach(waiter)
        active.append(lookup)
        if lookup.deadlineNanos < timerDeadline { armDeadline(lookup.deadlineNanos, now: now) }
        return lookup
    }

    /// Drops `waiter`'s lookup (its client went away): the answer, when it comes, is ignored.
    func cancel(waiter: any MemcachedLookupWaiter) {
        for lookup in active where lookup.waiter === waiter { lookup.cancel() }
    }

    /// Sends `lookup` to its next node that takes lookups; false when none is left.
    private func dispatch(_ lookup: MemcachedLookup, now: UInt64) -> Bool {
        while lookup.next < lookup.replicas.count {
            let connection = connections[lookup.replicas[lookup.next]]
            lookup.next += 1
            if connection.acceptsLookups(now: now) {
                connection.send(lookup)
                return true
            }
        }
        return false
    }

    /// A node answered `lookup`: a hit ends it; a miss asks the next node, if any.
    func answered(_ lookup: MemcachedLookup, _ value: [UInt8]?) {
        if lookup.done { return }
        if let value { return lookup.finish(value) }
        if !dispatch(lookup, now: Clock.monotonicNanos()) { lookup.finish(nil) }
    }

    /// The node `lookup` waited for failed: the next node, if any.
    func nodeFailed(_ lookup: MemcachedLookup) {
        if lookup.done { return }
        if !dispatch(lookup, now: Clock.monotonicNanos()) { lookup.finish(nil) }
    }

    /// Ends the lookups past their deadline (the pick goes on without them), and takes a node that left a
    /// lookup unanswered that long for down.
    private func expire() {
        timerDeadline = .max
        let now = Clock.monotonicNanos()
        for lookup in active where !lookup.done && lookup.deadlineNanos <= now {
            let asked = lookup.next > 0 ? connections[lookup.replicas[lookup.next - 1]] : nil
            lookup.finish(nil)   // first: the node's failure below must not send it elsewhere
            // A node silent for a second with a lookup waiting is taken for down; one that answers, if late,
            // is kept (the late answer is dropped when it comes).
            if let asked, asked.isAwaiting(lookup),
               now &- asked.lastHeardNanos > UInt64(MemcachedNodeConnection.silenceMillis) &* 1_000_000 {
                asked.fail("no answer for \(MemcachedNodeConnection.silenceMillis) ms")
            }
        }
        active.removeAll { $0.done }
        if let next = active.lazy.map(\.deadlineNanos).min(), next < timerDeadline {
            armDeadline(next, now: Clock.monotonicNanos())
        }
    }

    private func armDeadline(_ deadline: UInt64, now: UInt64) {
        timerDeadline = deadline
        deadlineTimer.arm(exactMillis: deadline > now ? Int((deadline - now + 999_999) / 1_000_000) : 0)
    }

    // MARK: - Writes

    /// Drains `share`'s outbox into the node connections; they go out at the end of this loop pass.
    func sendWrites(of share: RouteShare) {
        if !outboxes.contains(where: { $0 === share }) { outboxes.append(share) }
        let writes = share.takeWrites()
        guard !writes.isEmpty else { return }
        for write in writes {
            let key: [UInt8]
            switch write {
            case .set(let k, _): key = k
            case .delete(let k): key = k
            }
            for node in nodes.replicas(forKey: key) where connections[node].acceptsWrites() {
                connections[node].queue(write, ttlSeconds: share.ttlSeconds)
            }
        }
        if !flushTimer.isArmed { flushTimer.arm(exactMillis: 0) }
    }

    /// The worker's periodic pass: writes left in the outboxes this client serves.
    func sendPendingWrites() {
        for share in outboxes where share.hasWrites { sendWrites(of: share) }
    }

    private func flush() {
        retired.removeAll()
        for c in connections { c.flush() }
    }

    func retire(_ watchers: Watcher?...) {
        for w in watchers { if let w { retired.append(w) } }
    }

    /// The worker stops or the node list left the configuration: every connection closes, waiting lookups end.
    func close() {
        deadlineTimer.disarm()
        timerDeadline = .max
        flushTimer.disarm()
        for c in connections { c.close() }
        for lookup in active where !lookup.done { lookup.finish(nil) }
        active.removeAll()
    }
}
