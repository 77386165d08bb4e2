import Glibc
import SwitchyardTestSupport
import Testing

/// Tests run in parallel in one process, so a descriptor closed twice can close another test's socket: once
/// it was a mock backend's accepted connection, and the proxy in front of it logged "upstream prematurely
/// closed" and waited on a backend that never read the next request (ProxyCacheRFCTests failed 1 run in ~400).
@Suite struct TestClientCloseTests {
    @Test func anExplicitCloseIsTheOnlyClose() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        var c: TestClient? = try TestClient(port: backend.port)
        let number = c!.fd
        c!.close()
        #expect(c!.fd == -1)
        // The lowest free number goes to the next descriptor: the pipe usually takes the client's old number.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        c = nil   // deinit
        for end in ends where end == number {
            #expect(fcntl(end, F_GETFD) >= 0, "the client's deinit closed descriptor \(end), which it no longer owned")
        }
    }
}
