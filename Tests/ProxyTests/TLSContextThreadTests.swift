import EventLoop
import Glibc
import Locking
import Synchronization
import SwitchyardTestSupport
import Testing

/// A reload builds server contexts on the master thread while workers run handshakes on the running ones.
/// Building a context must write nothing a handshake on another context reads: `make sanitize` (ThreadSanitizer)
/// caught tls.c's process-wide SNI resolver, rewritten by every new context and read by every ClientHello.
/// Without ThreadSanitizer this checks only that the handshakes complete; under it, a shared write is a report.
@Suite struct TLSContextThreadTests {
    private struct Shared: @unchecked Sendable { let context: TLSContext; let client: TLSContext }

    @Test func buildingContextsWhileAnotherThreadHandshakesSharesNothing() throws {
        let kit = try TLSTestKit()
        defer { kit.remove() }
        func serverContext() throws -> TLSContext {
            let ctx = TLSContext(server: true)
            try ctx.useCertificate(kit.path("rsa.crt"), key: kit.path("rsa.key"), passwords: [])
            ctx.enableServerNameSelection()
            ctx.loadCertificatesPerHandshake()
            return ctx
        }
        let shared = Shared(context: try serverContext(), client: TLSContext(server: false))
        let rounds = 20
        let finished = Lock<Int>(0)
        let running = Atomic<Bool>(true)
        let thread = WorkerThread.spawn {
            for _ in 0..<rounds where Self.handshake(shared.context, shared.client) { finished.withLock { $0 += 1 } }
            running.store(false, ordering: .relaxed)
        }
        // The "reload": a new context's last steps, repeated while the other thread's handshakes run. (A relaxed
        // flag: no lock between the two threads that would order the writes before the handshakes' reads.)
        let building = try serverContext()
        for _ in 0..<1_000_000 where running.load(ordering: .relaxed) {
            building.enableServerNameSelection()
            building.loadCertificatesPerHandshake()
        }
        thread.join()
        #expect(finished.withLock { $0 } == rounds)
    }

    /// One handshake over a socket pair, both ends stepped on this thread (bounded); true when both completed.
    private static func handshake(_ context: TLSContext, _ client: TLSContext) -> Bool {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0 else { return false }
        defer { close(fds[0]); close(fds[1]) }
        let server = TLSStream(context: context, fd: fds[0]), peer = TLSStream(context: client, fd: fds[1])
        server.chooseServer = { _ in .keep }
        server.loadCertificates = { _ in true }   // the context's own certificate serves
        peer.setServerName("localhost")
        for _ in 0..<1000 where !(server.established && peer.established) {
            if !server.established, case .failed = server.handshake() { return false }
            if !peer.established, case .failed = peer.handshake() { return false }
        }
        return server.established && peer.established
    }
}
