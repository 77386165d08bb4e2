import EventLoop
import Glibc
@testable import session_app
import SwitchyardTestSupport
import Testing

/// session-app's memcached client against a real memcached, and against a node that never answers.
@Suite(.serialized) struct MemcachedConnectionTests {
    @Test func textProtocolAgainstARealMemcached() throws {
        let dir = try TempDir.make()
        let port = freePort()
        var args = [ClusterFixture.memcachedBinary, "-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "16"]
        if getuid() == 0 { args += ["-u", "nobody"] }
        let memcached = try ChildProcess(name: "memcached", args, logDirectory: dir)
        defer { memcached.stop(SIGKILL) }
        try memcached.waitUntilListening(port)

        let c = MemcachedConnection(address: SocketAddress.parse("127.0.0.1:\(port)")!, timeoutMillis: 1000)
        #expect(try c.get("session") == nil)
        try c.set("session", Array("S1 rev=1".utf8), expirySeconds: 60)
        #expect(try c.get("session") == Array("S1 rev=1".utf8))
        #expect(try c.add("lock:session", [49], expirySeconds: 5) == true)
        #expect(try c.add("lock:session", [49], expirySeconds: 5) == false, "add is the lock: a second one fails")
        #expect(try c.delete("lock:session") == true)
        #expect(try c.delete("lock:session") == false)
        #expect(try c.add("lock:session", [49], expirySeconds: 5) == true)
        // Binary-safe values, CRLF inside included.
        let value: [UInt8] = [0, 13, 10, 255, 69, 78, 68, 13, 10]
        try c.set("bin", value, expirySeconds: 60)
        #expect(try c.get("bin") == value)

        memcached.stop(SIGKILL)
        #expect(throws: MemcachedConnection.Failure.self) { try c.get("session") }
    }

    @Test func anOperationOnAHungNodeEndsAtTheTimeout() throws {
        // A socket that listens but never accepts: connect succeeds (the backlog), no reply ever comes.
        let fd = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 4, reusePort: false)
        defer { Syscall.close(fd) }
        let port = Socket.localAddress(fd)!.port
        let c = MemcachedConnection(address: SocketAddress.parse("127.0.0.1:\(port)")!, timeoutMillis: 50)
        do {
            _ = try c.get("session")
            Issue.record("a node that never answers returned a value")
        } catch {
            #expect(error.description == "receive timed out after 50 ms")
        }
    }
}
