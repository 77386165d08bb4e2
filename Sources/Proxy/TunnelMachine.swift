/// The two byte flows of an upgraded connection (WebSocket and the like), decided without sockets: the driver
/// (`Tunnel`) reports what its reads and writes did, and asks `next()` what to do. Each flow has one bounded
/// buffer; its source is read only while the buffer has room (backpressure), and its sink is written only while
/// it takes bytes. A source's EOF, once its bytes are written, shuts the sink's write side (half-close); the
/// tunnel ends when both flows have ended that way, or at the first error.
struct TunnelMachine: Equatable {
    enum Flow: Int, CaseIterable { case down = 0, up = 1 }   // down: upstream → client; up: client → upstream

    /// `.drained(n)`: n bytes, fewer than the space offered, so the socket is most likely empty now; the next
    /// read waits for readiness (level-triggered, so bytes still there wake it) instead of costing a recv that
    /// would block.
    enum ReadResult: Equatable { case bytes(Int), drained(Int), wouldBlock, end, failed }
    enum WriteResult: Equatable { case wrote(Int), wouldBlock, failed }

    /// Why the tunnel ended; `.done` when both flows ended cleanly.
    enum Ending: Equatable {
        case done
        case readFailed(Flow), writeFailed(Flow)
        case idle            // proxy_read_timeout with no byte either way
        case sendStalled(Flow)   // a sink took nothing for its send timeout
        case aborted         // closed from outside (a fast stop, worker_shutdown_timeout)
    }

    /// Which readiness the driver must wait for before anything can move again.
    struct Interest: Equatable {
        var readClient = false, readUpstream = false, writeClient = false, writeUpstream = false
    }

    enum Action: Equatable {
        case read(Flow, max: Int)   // read at most `max` bytes from the flow's source into its buffer
        case write(Flow)            // write the flow's buffer to its sink
        case shutdownWrite(Flow)    // the flow's source ended and its bytes are out: shut the sink's write side
        case wait(Interest)
        case close(Ending)
    }

    struct State: Equatable {
        var buffered = 0
        /// False after a read would block, until the source is reported readable.
        var sourceReady = true
        var sourceEnded = false
        /// False after a write would block (or was short), until the sink is reported writable.
        var sinkReady = true
        var sinkShut = false
    }

    /// Two fields, not an array: the machine runs twice per relayed message, and an array's element access
    /// costs a uniqueness check and bounds checks each time.
    private var down = State(), up = State()
    private(set) var ending: Ending?
    let limit: Int

    /// `pendingDown`/`pendingUp`: bytes already buffered at the switch (the 101 head and what the upstream sent
    /// after it; what the client sent after its request head).
    init(limit: Int, pendingDown: Int = 0, pendingUp: Int = 0) {
        self.limit = limit
        down.buffered = pendingDown
        up.buffered = pendingUp
    }

    subscript(_ f: Flow) -> State {
        get { f == .down ? down : up }
        _modify {
            if f == .down { yield &down } else { yield &up }
        }
    }

    var isClosed: Bool { ending != nil }

    // MARK: - Events

    /// The side is readable (its flow's source) or writable (the other flow's sink).
    mutating func clientReadable() { self[.up].sourceReady = true }
    mutating func upstreamReadable() { self[.down].sourceReady = true }
    mutating func clientWritable() { self[.down].sinkReady = true }
    mutating func upstreamWritable() { self[.up].sinkReady = true }

    // didRead and didWrite run once per relayed piece each: they name the field per branch, as the subscript's
    // `_modify` accessor is a coroutine call per access.
    mutating func didRead(_ f: Flow, _ r: ReadResult) {
        if case .failed = r { return end(.readFailed(f)) }
        if f == .down { Self.note(read: r, &down) } else { Self.note(read: r, &up) }
    }

    @inline(__always)
    private static func note(read r: ReadResult, _ s: inout State) {
        switch r {
        case .bytes(let n): s.buffered += n
        case .drained(let n): s.buffered += n; s.sourceReady = false
        case .wouldBlock: s.sourceReady = false
        case .end: s.sourceEnded = true
        case .failed: break
        }
    }

    mutating func didWrite(_ f: Flow, _ r: WriteResult) {
        if case .failed = r { return end(.writeFailed(f)) }
        if f == .down { Self.note(wrote: r, &down) } else { Self.note(wrote: r, &up) }
    }

    @inline(__always)
    private static func note(wrote r: WriteResult, _ s: inout State) {
        switch r {
        case .wrote(let n):
            s.buffered -= n
            if s.buffered > 0 { s.sinkReady = false }   // a short write: the socket buffer is full
        case .wouldBlock: s.sinkReady = false
        case .failed: break
        }
    }

    mutating func didShutdown(_ f: Flow) { self[f].sinkShut = true }

    mutating func timedOut(_ e: Ending) { end(e) }

    mutating func abort() { end(.aborted) }

    private mutating func end(_ e: Ending) { if ending == nil { ending = e } }

    // MARK: - Decisions

    /// The next step: write before reading (drain first), shut a finished flow's sink, read while there is
    /// room, else wait. Writes come first so a buffer never holds more than `limit`.
    func next() -> Action {
        if let e = ending { return .close(e) }
        for f in Flow.allCases where self[f].buffered > 0 && self[f].sinkReady { return .write(f) }
        for f in Flow.allCases where self[f].sourceEnded && self[f].buffered == 0 && !self[f].sinkShut {
            return .shutdownWrite(f)
        }
        if self[.down].sinkShut && self[.up].sinkShut { return .close(.done) }
        for f in Flow.allCases where wantsRead(f) && self[f].sourceReady {
            return .read(f, max: limit - self[f].buffered)
        }
        return .wait(interest)
    }

    /// What to wait for now; also what a driver that used up its work budget for one callback waits for
    /// (level-triggered readiness brings it back).
    var interest: Interest {
        let down = self[.down], up = self[.up]
        return Interest(readClient: wantsRead(.up), readUpstream: wantsRead(.down),
                        writeClient: down.buffered > 0, writeUpstream: up.buffered > 0)
    }

    private func wantsRead(_ f: Flow) -> Bool {
        let s = self[f]
        return !s.sourceEnded && !s.sinkShut && s.buffered < limit
    }
}
