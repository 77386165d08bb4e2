import CLibevent  // links libevent (pkg-config); its calls are wrapped in CSystem
import CSystem

// libevent's pointers, and its callback into Swift: the only file in the engine that holds an `event_base` or
// an `event`, or calls libevent. `Loop` and `Watcher` keep their logic in their own files and hold these
// handles; each call here is one C call, inlined so the handles cost nothing over the raw pointers.

/// A libevent `event_base` (created without libevent's locks); `Loop` owns it and frees it in its `deinit`.
struct EventBase {
    let pointer: UnsafeMutableRawPointer

    init() {
        guard let b = cswy_event_base_new() else { fatalError("event_base_new failed") }
        pointer = b
    }

    func free() { cswy_event_base_free(pointer) }
    func dispatch() { cswy_event_base_dispatch(pointer) }
    func loopOnce() { cswy_event_base_loop_once(pointer) }
    func loopBreak() { cswy_event_base_loopbreak(pointer) }

    /// libevent's shared timeout for `millis` on this base; nil once its 256 common timeouts are taken.
    func commonTimeout(millis: Int) -> CommonTimeout? {
        cswy_event_base_common_timeout(pointer, millis).map(CommonTimeout.init)
    }

    /// Re-registers `fd` (already added for reading) with `EPOLLEXCLUSIVE`: 0 when done (see `ExclusiveAccept`).
    func epollExclusive(_ fd: Int32) -> Int32 { cswy_event_base_epoll_exclusive(pointer, fd) }
}

/// A libevent "common timeout" (an opaque `timeval` libevent owns for as long as the base lives).
struct CommonTimeout {
    let pointer: UnsafeRawPointer
}

/// libevent calls this for every event, with the `Watcher` passed *unretained* as `arg` (its owner keeps it
/// alive, and its `deinit` frees the event first).
private let trampoline: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, what, arg in
    let watcher = Unmanaged<Watcher>.fromOpaque(arg!).takeUnretainedValue()
    cswy_event_clock_enter()   // `Clock.eventNanos`: one clock reading for the whole wake-up
    watcher.fired(IOEvents(rawValue: what))
    cswy_event_clock_leave()
}

extension Watcher {
    /// A libevent event on `base` that calls this watcher back (passed unretained: see `trampoline`).
    func makeEvent(base: EventBase, fd: Int32, flags: Int16) -> LibeventEvent {
        LibeventEvent(cswy_event_new(base.pointer, fd, flags, trampoline, Unmanaged.passUnretained(self).toOpaque()))
    }
}

/// A libevent `event` that calls back one `Watcher`; nil only until the watcher's `init` created it.
struct LibeventEvent {
    private var pointer: UnsafeMutableRawPointer?

    init() { pointer = nil }

    fileprivate init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer }

    var isCreated: Bool { pointer != nil }

    func free() { if let pointer { cswy_event_free(pointer) } }

    /// Arms with no timeout.
    @inline(__always) func add() { cswy_event_add(pointer, nil) }
    @inline(__always) func add(timeout: CommonTimeout) { cswy_event_add(pointer, timeout.pointer) }
    @inline(__always) func add(millis: Int) { cswy_event_add_millis(pointer, millis) }
    @inline(__always) func remove() { cswy_event_del(pointer) }
    /// Queues the callback in the loop's current pass (`event_active`), pending or not.
    @inline(__always) func activate() { cswy_event_active(pointer) }
}
