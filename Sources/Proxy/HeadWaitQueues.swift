import EventLoop

/// A worker's connections whose request head is due, one `WaitQueue` per `client_header_timeout` in use: each
/// listen address reads its heads with its default server's timeout, as nginx does, and a queue of one timeout
/// stays in deadline order as connections join it. One timer, at the earliest front's deadline, enforces them
/// all, so a head trickled byte by byte cannot push its own deadline back.
final class HeadWaitQueues {
    /// A handful at most (the distinct timeouts of the listen addresses), scanned linearly.
    private var queues: [(millis: Int, queue: WaitQueue)] = []
    private var timer: Watcher!
    /// The deadline the timer is armed for (monotonic nanoseconds), while it is armed.
    private var timerDeadline: UInt64 = 0

    init(loop: Loop) {
        timer = Watcher.timer(loop: loop) { [unowned self] in self.expire() }
    }

    /// Appends `c` (in no queue) with its address's head timeout, due from `now`.
    func append(_ c: ClientConnection, now: UInt64) {
        let millis = c.listen.headerTimeoutMillis
        c.headWaitMillis = millis
        queue(for: millis).append(c, since: now)
        let deadline = Self.deadline(of: c)
        if !timer.isArmed || deadline < timerDeadline { arm(deadline, now: now) }
    }

    /// Unlinks `c`, which is in the queue it joined.
    func remove(_ c: ClientConnection) {
        queue(for: c.headWaitMillis).remove(c)
    }

    /// The connection whose head has been due longest, across the queues.
    var oldest: ClientConnection? {
        var found: ClientConnection?
        for (_, q) in queues {
            if let f = q.first, found.map({ f.waitingSince < $0.waitingSince }) ?? true { found = f }
        }
        return found
    }

    /// Forgets the queues nobody waits in (timeouts a reload left behind; one in use is made again at need).
    func prune() { queues.removeAll { $0.queue.count == 0 } }

    func stop() { timer.disarm() }

    private func queue(for millis: Int) -> WaitQueue {
        for entry in queues where entry.millis == millis { return entry.queue }
        let q = WaitQueue()
        queues.append((millis, q))
        return q
    }

    private static func deadline(of c: ClientConnection) -> UInt64 {
        c.waitingSince &+ UInt64(c.headWaitMillis) &* 1_000_000
    }

    private func arm(_ deadline: UInt64, now: UInt64) {
        timerDeadline = deadline
        timer.arm(exactMillis: deadline > now ? Int((deadline - now + 999_999) / 1_000_000) : 0)
    }

    /// Times out every head whose deadline has passed, oldest first in each queue, then waits for the next.
    private func expire() {
        let now = Clock.eventNanos()
        var next = UInt64.max
        for (_, q) in queues {
            while let c = q.first {
                let deadline = Self.deadline(of: c)
                if deadline > now { next = min(next, deadline); break }
                c.headTimedOut()   // leaves the queue
            }
        }
        if next != .max { arm(next, now: now) }
    }
}
