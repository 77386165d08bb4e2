import Balancing

/// Who waits for a shared-route lookup (the exchange, at its first pick).
protocol MemcachedLookupWaiter: AnyObject {
    /// The lookup ended: the stored value, or nil (a miss on every node asked, a timeout, no node reachable).
    /// Never called from inside `MemcachedClient.lookup`.
    func memcachedAnswered(_ lookup: MemcachedLookup, value: [UInt8]?)
}

/// One `get` of a session's key: asked of the key's nodes in order (a miss or a failure moves it to the next),
/// answered once, before its deadline.
final class MemcachedLookup {
    let session: [UInt8]
    let key: [UInt8]
    let replicas: [Int]
    /// The next replica to ask; the one asked last is `replicas[next - 1]`.
    var next = 0
    let deadlineNanos: UInt64
    /// Attached once the lookup is under way, so that a failure while it is being sent ends it unheard.
    private(set) var waiter: (any MemcachedLookupWaiter)?
    private(set) var done = false

    init(session: [UInt8], key: [UInt8], replicas: [Int], deadlineNanos: UInt64) {
        self.session = session
        self.key = key
        self.replicas = replicas
        self.deadlineNanos = deadlineNanos
    }

    func attach(_ waiter: any MemcachedLookupWaiter) { self.waiter = waiter }

    /// The waiter went away (the client closed): the answer, when it comes, is dropped.
    func cancel() {
        done = true
        waiter = nil
    }

    /// Ends the lookup and tells the waiter (once).
    func finish(_ value: [UInt8]?) {
        guard !done else { return }
        done = true
        let w = waiter
        waiter = nil
        w?.memcachedAnswered(self, value: value)
    }
}
