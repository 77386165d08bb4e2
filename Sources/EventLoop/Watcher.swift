import CSystem

// Watchers pass themselves *unretained* to libevent (`Libevent-unsafe.swift` holds the callback and the
// event's pointer): the owner (a connection) keeps the watcher alive, and `deinit` frees the event before the
// memory goes, so libevent never calls a dead object.

/// What woke a watcher.
public struct IOEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let read = IOEvents(rawValue: Int16(CSWY_EV_READ))
    public static let write = IOEvents(rawValue: Int16(CSWY_EV_WRITE))
    public static let timeout = IOEvents(rawValue: Int16(CSWY_EV_TIMEOUT))
}

/// A libevent event: a file descriptor's readiness, a timer (fd -1), or a signal.
///
/// A timeout never fires before its time. libevent times its timers with the coarse clock (a 4 ms tick here), and
/// a deadline taken from a lagging reading fires up to a tick early; its precise clock would cost a
/// `timerfd_settime` on every wake-up. So each watcher keeps its deadline on the event clock (`Clock.eventNanos`,
/// CLOCK_MONOTONIC) and, when libevent fires early, waits out the rest instead of reporting (`fired`).
///
/// A persistent descriptor watcher keeps its timeout in a timer event of its own, which it moves itself
/// (`ownsTimer`). libevent's own timeout on a persistent event cannot be taken back: `event_add` without one
/// leaves the pending timeout in place, and every activation adds it again (its persist closure), so a
/// connection once armed with its keep-alive or body timeout was closed by it later while an upstream worked
/// on a request. It also cost an `event_add` on every activation, whatever the lazy re-arm decided.
public final class Watcher {
    /// Set once in `init` (libevent needs `self` to create it).
    private var event = LibeventEvent()
    /// `ownsTimer`: the timeout's own timer event, made at the first timeout.
    private var timer = LibeventEvent()
    /// Internal, not private: libevent's callback (`Libevent-unsafe.swift`) goes through `fired`.
    let handler: (IOEvents) -> Void
    private let loop: Loop
    public internal(set) var isArmed = false
    let persistent: Bool
    /// A persistent descriptor watcher: its timeout is `timer`, not libevent's.
    private let ownsTimer: Bool
    /// `ownsTimer`: the timeout in effect (0: none); activity moves its deadline on.
    private var timeoutMillis = 0
    /// When the pending timeout is due, in event-clock nanoseconds; 0 when none is pending.
    private var deadline: UInt64 = 0

    private init(loop: Loop, fd: Int32, flags: Int16, handler: @escaping (IOEvents) -> Void) {
        self.loop = loop
        self.persistent = flags & Int16(CSWY_EV_PERSIST) != 0
        self.ownsTimer = persistent && fd >= 0 && flags & Int16(CSWY_EV_SIGNAL) == 0
        self.handler = handler
        self.event = makeEvent(base: loop.base, fd: fd, flags: flags)
        precondition(event.isCreated, "event_new failed")
    }

    /// Watches `fd` for `events`; persistent watchers stay armed after firing.
    public convenience init(loop: Loop, fd: Int32, events: IOEvents, persist: Bool = true,
                            handler: @escaping (IOEvents) -> Void) {
        self.init(loop: loop, fd: fd, flags: events.rawValue | (persist ? Int16(CSWY_EV_PERSIST) : 0), handler: handler)
    }

    /// A one-shot timer; arm it with `arm(timeoutMillis:)`.
    public static func timer(loop: Loop, handler: @escaping () -> Void) -> Watcher {
        Watcher(loop: loop, fd: -1, flags: 0, handler: { _ in handler() })
    }

    /// A signal handled on this loop's thread (libevent's self-pipe): no async-signal-safety concerns here.
    public static func signal(loop: Loop, _ signum: Int32, handler: @escaping () -> Void) -> Watcher {
        Watcher(loop: loop, fd: signum, flags: Int16(CSWY_EV_SIGNAL | CSWY_EV_PERSIST), handler: { _ in handler() })
    }

    deinit {
        event.free()
        timer.free()
    }

    /// Arms the watcher; with a timeout it also fires `.timeout` after that many milliseconds of no events.
    ///
    /// Like nginx's lazy timers, re-arming a pending watcher whose deadline would move by less than
    /// `lazySlackNanos(ms)` leaves it as it is: a keep-alive connection re-arms its timeouts several times per
    /// request, each a libevent queue update. The timeout then fires at most that much early.
    public func arm(timeoutMillis: Int? = nil) {
        if ownsTimer { return armOwningTimer(timeoutMillis) }
        if let ms = timeoutMillis {
            schedule(event, in: ms)
        } else {
            if deadline != 0 { event.remove() }   // `event_add` alone would keep the pending timeout
            event.add()
            deadline = 0
        }
        isArmed = true
    }

    /// `e` (the event itself, or the owned timer) to fire `ms` from now, lazily: a pending deadline closer than
    /// the slack stays.
    @inline(__always)
    private func schedule(_ e: LibeventEvent, in ms: Int) {
        let due = Self.due(in: ms)
        if deadline != 0 && Int64(bitPattern: due &- deadline).magnitude < Self.lazySlackNanos(ms) { return }
        if let t = loop.commonTimeout(millis: ms) { e.add(timeout: t) } else { e.add(millis: ms) }
        deadline = due
    }

    /// `e` to fire `ms` from now, exactly (its own libevent timeout, not a shared one).
    private func addExactly(_ e: LibeventEvent, in ms: Int) {
        e.add(millis: ms)
        deadline = Self.due(in: ms)
    }

    /// The event-clock time `ms` from now.
    @inline(__always)
    private static func due(in ms: Int) -> UInt64 { Clock.eventNanos() &+ UInt64(ms) &* 1_000_000 }

    /// `arm` of a persistent descriptor watcher: the descriptor is registered once, and the timeout is its timer.
    /// Taken back, the timeout stops counting but its timer stays pending, ignored when it fires: a connection
    /// drops its keep-alive timeout as each request starts and takes it again as the request ends, and the timer
    /// pending from the last time is then close enough to stay, so a keep-alive request touches no timer at all.
    private func armOwningTimer(_ ms: Int?, exact: Bool = false) {
        if !isArmed {
            event.add()
            isArmed = true
        }
        guard let ms else {
            timeoutMillis = 0
            return
        }
        timeoutMillis = ms
        if !exact { return moveTimer() }
        makeTimer()
        addExactly(timer, in: ms)
    }

    /// The owned timer to `timeoutMillis` from now (lazily).
    private func moveTimer() {
        makeTimer()
        schedule(timer, in: timeoutMillis)
    }

    @inline(__always)
    private func makeTimer() {
        if !timer.isCreated { timer = makeEvent(base: loop.base, fd: -1, flags: 0) }
    }

    /// What libevent reports, on the way to `handler` (from `Libevent-unsafe.swift`'s callback). A timeout that
    /// came early waits out the rest. A one-shot event is no longer pending. An owned timeout starts again from
    /// any activity of the descriptor, and after it fires (libevent's rule for a persistent event's timeout); its
    /// timer firing while no timeout counts is not reported.
    func fired(_ events: IOEvents) {
        if !persistent {
            if events.contains(.timeout) && waitsOutEarlyTimeout(event) { return }
            isArmed = false
            deadline = 0
        } else if ownsTimer {
            if events.contains(.timeout) {
                guard timeoutMillis != 0 else { deadline = 0; return }
                if waitsOutEarlyTimeout(timer) { return }
                deadline = 0
            }
            if timeoutMillis != 0 { moveTimer() }
        }
        handler(events)
    }

    /// A timeout libevent fired before `deadline` (its coarse clock lags): `e` again for the rest, whole
    /// milliseconds rounded up, and true.
    private func waitsOutEarlyTimeout(_ e: LibeventEvent) -> Bool {
        let now = Clock.eventNanos()
        guard deadline != 0 && now < deadline else { return false }
        e.add(millis: Int((deadline &- now &+ 999_999) / 1_000_000))
        return true
    }

    /// How far (in nanoseconds) a pending deadline may be from the requested one and stay: nginx's 300 ms, and at
    /// most a sixteenth of the timeout so short timeouts stay precise.
    @inline(__always)
    static func lazySlackNanos(_ ms: Int) -> UInt64 { UInt64(min(300, ms >> 4)) &* 1_000_000 }

    /// Arms with an exact timeout (not shared): for one-off timers with arbitrary durations. On a persistent
    /// descriptor watcher (an upstream's connect timeout) it is the owned timeout, as `arm(timeoutMillis:)`'s.
    public func arm(exactMillis ms: Int) {
        if ownsTimer { return armOwningTimer(ms, exact: true) }
        addExactly(event, in: ms)
        isArmed = true
    }

    /// Runs the handler in this loop pass, after the callbacks already due (libevent's `event_active`): for work
    /// that must wait until the current callback has returned. A timer armed for 0 ms would do the same at the
    /// cost of one more `epoll_wait` (with no wait) before it fires.
    /// Not for a persistent descriptor watcher: libevent reports it as a timeout, which such a watcher takes for
    /// its own timer's.
    public func fireSoon() {
        precondition(!ownsTimer, "fireSoon on a descriptor watcher")
        guard !isArmed else { return }
        event.activate()
        isArmed = true
    }

    public func disarm() {
        if isArmed { event.remove(); isArmed = false }
        if ownsTimer && deadline != 0 { timer.remove() }
        timeoutMillis = 0
        deadline = 0
    }
}
