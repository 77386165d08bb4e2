import EventLoop
import Glibc
import Synchronization
import Testing

@Suite struct LoopTests {
    @Test func timerFiresOnceThenLoopEnds() {
        let loop = Loop()
        var fired = 0
        let t = Watcher.timer(loop: loop) { fired += 1 }
        t.arm(exactMillis: 1)
        loop.run()  // returns when nothing is armed any more
        #expect(fired == 1)
    }

    /// The event clock: one reading for a whole wake-up of the loop, as nginx reads its clock once per
    /// `epoll_wait` (what a request measures and arms its timers with): a callback run in the same pass after
    /// another (`fireSoon`) sees the same time however long the first took; the next wake-up a new one; readings
    /// outside callbacks are fresh.
    @Test func eventClockIsReadOncePerWakeUp() {
        let loop = Loop()
        var inFirst: (UInt64, UInt64) = (0, 0)
        var inSamePass: UInt64 = 0
        var inNextWakeUp: UInt64 = 0
        let next = Watcher.timer(loop: loop) { inNextWakeUp = Clock.eventNanos() }
        let samePass = Watcher.timer(loop: loop) {
            inSamePass = Clock.eventNanos()
            next.arm(exactMillis: 1)
        }
        let first = Watcher.timer(loop: loop) {
            let a = Clock.eventNanos()
            usleep(2_000)
            inFirst = (a, Clock.eventNanos())
            samePass.fireSoon()
        }
        first.arm(exactMillis: 1)
        loop.run()
        #expect(inFirst.0 != 0 && inFirst.0 == inFirst.1)
        #expect(inSamePass == inFirst.0)
        #expect(inNextWakeUp >= inFirst.0 + 2_000_000)
        let outside = Clock.eventNanos()
        usleep(1_000)
        #expect(Clock.eventNanos() >= outside + 1_000_000)
    }

    /// Re-arming a pending timer is lazy (it stays when its deadline would move less than the slack), yet a
    /// timer re-armed again and again keeps being pushed back, and fires only once left alone.
    @Test func rearmedTimerKeepsMovingAndFiresOnceLeftAlone() throws {
        let loop = Loop()
        let timeout = 800
        let start = Clock.monotonicNanos()
        func elapsed() -> Int { Int((Clock.monotonicNanos() - start) / 1_000_000) }
        var firedAt: [Int] = []
        let t = Watcher.timer(loop: loop) { firedAt.append(elapsed()) }
        t.arm(timeoutMillis: timeout)
        var lastRearm = 0
        var ticker: Watcher!
        ticker = Watcher.timer(loop: loop) {
            // Until 400 ms, and past 200 ms at least once: a loaded machine may hold this thread back for a
            // while, and a first tick after 400 ms would otherwise re-arm nothing.
            guard elapsed() < 400 || lastRearm < 200 else { return }
            t.arm(timeoutMillis: timeout)
            lastRearm = elapsed()
            ticker.arm(exactMillis: 2)
        }
        ticker.arm(exactMillis: 2)
        loop.run()
        try #require(firedAt.count == 1, "fired at \(firedAt)")
        // Never earlier than the last re-arm's deadline minus the slack (50 ms for 800 ms).
        #expect(lastRearm >= 200 && firedAt[0] >= lastRearm + timeout - 50, "fired at \(firedAt), last re-arm \(lastRearm)")
    }

    @Test func acceptConnectAndEchoThroughBuffers() throws {
        let loop = Loop()
        let lfd = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 16, reusePort: false)
        defer { Syscall.close(lfd) }
        let bound = Socket.localAddress(lfd)!
        #expect(bound.port != 0)

        var serverSide: Int32 = -1
        var received: [UInt8] = []
        var watchers: [Watcher] = []
        let acceptor = Watcher(loop: loop, fd: lfd, events: .read) { _ in
            guard case .accepted(let fd, let peer) = Socket.accept(lfd) else { return }
            #expect(peer.host == "127.0.0.1")
            serverSide = fd
            let buf = IOBuffer(initialCapacity: 16)
            let r = Watcher(loop: loop, fd: fd, events: .read) { _ in
                while case .done = buf.read(from: fd, chunk: 16) {}
                received = Array(buf.readable)
                if received.count == 5 { loop.stop() }
            }
            r.arm()
            watchers.append(r)
        }
        acceptor.arm()

        guard case let result = Socket.connect(bound), case .inProgress(let cfd) = result else {
            Issue.record("connect did not start"); return
        }
        defer { Syscall.close(cfd) }
        let w = Watcher(loop: loop, fd: cfd, events: .write, persist: false) { _ in
            #expect(Socket.pendingError(cfd) == 0)
            let msg: [UInt8] = Array("hello".utf8)
            _ = msg.withUnsafeBytes { Syscall.write(cfd, $0) }
        }
        w.arm()
        loop.run()
        #expect(received == Array("hello".utf8))
        Syscall.close(serverSide)
    }

    /// A persistent descriptor watcher's timeout: re-armed without one, it is gone, also after a byte came
    /// (libevent's own stayed, and every wake-up added it again); while bytes keep coming it does not fire; once
    /// they stop, it does.
    @Test func aPersistentWatchersTimeoutCanBeTakenBackAndMovesWithActivity() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { Syscall.close(fds[0]); Syscall.close(fds[1]) }
        let loop = Loop()
        var timeouts = 0, reads = 0
        let reader = Watcher(loop: loop, fd: fds[0], events: .read) { ev in
            if ev.contains(.timeout) { timeouts += 1; return }
            var byte: UInt8 = 0
            if read(fds[0], &byte, 1) == 1 { reads += 1 }
        }
        func feed() { var b: UInt8 = 1; _ = write(fds[1], &b, 1) }
        // Steps 50 ms apart: 0 arms with 200 ms and takes it back, then a byte; 1-10 silence (500 ms, two and a
        // half timeouts); 10 arms with 200 ms again and a byte; 11-16 a byte each; 17-28 silence (600 ms).
        var step = 0
        var ticker: Watcher!
        ticker = Watcher.timer(loop: loop) {
            step += 1
            switch step {
            case 10:
                #expect(timeouts == 0, "a timeout taken back fired \(timeouts) times")
                reader.arm(timeoutMillis: 200)
                feed()
            case 11...16:
                feed()
            case 17:
                #expect(timeouts == 0, "timed out while bytes kept coming")
            case 28:
                #expect(timeouts >= 1, "no timeout after 600 ms of silence")
                reader.disarm()
                return
            default:
                break
            }
            ticker.arm(exactMillis: 50)
        }
        reader.arm(timeoutMillis: 200)
        reader.arm()
        feed()
        ticker.arm(exactMillis: 50)
        loop.run()
        #expect(reads == 8)
    }

    /// A one-shot watcher keeps libevent's timeout; re-armed without one, the pending timeout goes too
    /// (`event_add` alone would leave it), and the watcher fires only for its descriptor.
    @Test func aOneShotWatchersTimeoutCanBeTakenBack() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { Syscall.close(fds[0]); Syscall.close(fds[1]) }
        let loop = Loop()
        var fired: [IOEvents] = []
        let reader = Watcher(loop: loop, fd: fds[0], events: .read, persist: false) { ev in fired.append(ev) }
        reader.arm(timeoutMillis: 100)
        reader.arm()
        let feed = Watcher.timer(loop: loop) { var b: UInt8 = 1; _ = write(fds[1], &b, 1) }
        feed.arm(exactMillis: 300)   // three timeouts' worth of silence first
        loop.run()
        #expect(fired.count == 1 && fired[0].contains(.read) && !fired[0].contains(.timeout), "\(fired)")
    }

    /// Timeouts last at least what they say, by the monotonic clock: one-shot timers (shared and exact
    /// durations), a one-shot descriptor watcher's and a persistent one's. libevent's coarse clock, which lags
    /// by up to a tick (4 ms), fired most of these early.
    @Test func timeoutsNeverFireEarly() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { Syscall.close(fds[0]); Syscall.close(fds[1]) }
        let loop = Loop()
        var early: [String] = []
        var count = 0
        func check(_ what: String, _ ms: Int, since start: UInt64) {
            count += 1
            let took = Clock.monotonicNanos() &- start
            if took < UInt64(ms) * 1_000_000 { early.append("\(what) \(ms) ms after \(took / 1_000) us") }
        }
        var watchers: [Watcher] = []
        for i in 0..<40 {
            let ms = 3 + i % 20
            let start = Clock.monotonicNanos()
            let t = Watcher.timer(loop: loop) { check("timer", ms, since: start) }
            if i < 20 { t.arm(timeoutMillis: ms) } else { t.arm(exactMillis: ms) }
            watchers.append(t)
        }
        let oneShotStart = Clock.monotonicNanos()
        let oneShot = Watcher(loop: loop, fd: fds[0], events: .read, persist: false) { _ in
            check("one-shot reader", 9, since: oneShotStart)
        }
        oneShot.arm(timeoutMillis: 9)
        var persistentStart = Clock.monotonicNanos()
        var persistent: Watcher!
        persistent = Watcher(loop: loop, fd: fds[1], events: .read) { _ in
            check("persistent reader", 11, since: persistentStart)
            if count >= 45 { persistent.disarm() } else { persistentStart = Clock.eventNanos() }   // it counts from the wake-up
        }
        persistent.arm(timeoutMillis: 11)
        loop.run()
        #expect(count == 45)
        #expect(early.isEmpty, "\(early)")
    }

    @Test func readOnClosedPeerReportsEOF() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        Syscall.close(fds[1])
        let buf = IOBuffer(initialCapacity: 64)
        #expect(buf.read(from: fds[0], chunk: 64) == .eof)
        Syscall.close(fds[0])
    }

    @Test func mailboxRunsPostedWorkOnTheLoopThread() {
        let loop = Loop()
        let mailbox = Mailbox()
        let ran = Atomic<Int>(0)
        let watcher = mailbox.attach(to: loop)
        let stopper = Watcher.timer(loop: loop) {}
        _ = stopper
        let thread = WorkerThread.spawn {
            for _ in 0..<3 { mailbox.post { ran.add(1, ordering: .relaxed) } }
        }
        thread.join()
        // All three posts were queued before the loop ran: one drain runs them all.
        loop.runOnce()
        #expect(ran.load(ordering: .relaxed) == 3)
        watcher.disarm()
    }

    @Test func ioBufferGrowsCompactsAndReleases() {
        let b = IOBuffer(initialCapacity: 8)
        b.append(Array("abcdefghij".utf8))
        #expect(b.readableCount == 10)
        b.consume(4)
        #expect(Array(b.readable) == Array("efghij".utf8))
        b.reserve(12)
        #expect(Array(b.readable) == Array("efghij".utf8))
        b.consume(6)
        b.release()
        #expect(!b.hasStorage)
        b.append("xy")
        #expect(Array(b.readable) == Array("xy".utf8))
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1:8080"), ("8080", "0.0.0.0:8080"), ("*:80", "0.0.0.0:80"),
        ("[::1]:443", "[::1]:443"),
    ])
    func parsesListenAddresses(text: String, expected: String) {
        #expect(SocketAddress.parse(text)?.description == expected)
    }

    /// A host to connect to given as a literal (an OCSP responder from a certificate's AIA): `*` is no address.
    @Test func literalHostsAreAddressesButTheWildcardIsNot() {
        #expect(SocketAddress.literal(host: "127.0.0.1", port: 80)?.description == "127.0.0.1:80")
        #expect(SocketAddress.literal(host: "::1", port: 80)?.description == "[::1]:80")
        #expect(SocketAddress.literal(host: "[::1]", port: 80)?.description == "[::1]:80")
        #expect(SocketAddress.literal(host: "*", port: 80) == nil)
        #expect(SocketAddress.literal(host: "ocsp.example", port: 80) == nil)
    }

    @Test(arguments: ["nonsense", "[::1", "1.2.3.4:99999"])
    func rejectsBadAddresses(text: String) {
        #expect(SocketAddress.parse(text) == nil)
    }
}
