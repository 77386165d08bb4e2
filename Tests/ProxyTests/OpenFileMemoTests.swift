import EventLoop
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// The worker's kept descriptors of small static files: what it keeps, and that any change to the file (or a
/// new file at its path) is answered as if nothing had been kept.
@Suite(.serialized) struct OpenFileMemoTests {
    /// `text` written to a new file in a new directory; its path as bytes, its open and its status.
    static func opened(_ text: String) throws -> (path: String, fd: Int32, info: Syscall.FileStatus) {
        let path = try TempDir.make() + "/a.txt"
        try TempDir.write(path, text)
        let fd = Syscall.openToServe(Array(path.utf8))
        #expect(fd >= 0)
        return (path, fd, Syscall.fstat(fd)!)
    }

    /// Whether this process still has `path` open. Asked of /proc by path, not of the descriptor's number: tests
    /// run in parallel, and a number this test's memo closed may already be another test's open.
    static func isOpen(_ path: String) -> Bool { !opens(of: getpid(), to: path).isEmpty }

    /// A time well after the file's last change, as if it had been written minutes ago.
    static func later(_ info: Syscall.FileStatus) -> Int { info.ctime + 60 }

    @Test func aKeptOpenAnswersTheNextLookupWithTheFilesStatusNow() throws {
        let f = try Self.opened("hello")
        let memo = OpenFileMemo()
        memo.offer(Array(f.path.utf8), fd: f.fd, info: f.info, now: Self.later(f.info))
        #expect(memo.openCount == 1)
        #expect(Self.isOpen(f.path))
        let hit = memo.lookup(Array(f.path.utf8), maxSize: 16_384)
        #expect(hit?.fd == f.fd)
        #expect(hit?.info.size == 5)
        #expect(hit?.info.inode == f.info.inode)
        memo.clear()
        #expect(memo.openCount == 0)
        #expect(!Self.isOpen(f.path))
    }

    @Test func aFileChangedWithinTwoSecondsIsClosedNotKept() throws {
        let f = try Self.opened("fresh")
        let memo = OpenFileMemo()
        memo.offer(Array(f.path.utf8), fd: f.fd, info: f.info, now: f.info.ctime + 1)
        #expect(memo.openCount == 0)
        #expect(!Self.isOpen(f.path))
        #expect(memo.lookup(Array(f.path.utf8), maxSize: 16_384) == nil)
    }

    @Test func aFileRenamedOverThePathIsNotReadThroughTheOldOpen() throws {
        let f = try Self.opened("old")
        let memo = OpenFileMemo()
        memo.offer(Array(f.path.utf8), fd: f.fd, info: f.info, now: Self.later(f.info))
        try TempDir.write(f.path + ".new", "new!")
        #expect(rename(f.path + ".new", f.path) == 0)
        #expect(memo.lookup(Array(f.path.utf8), maxSize: 16_384) == nil)
        #expect(memo.openCount == 0)
        #expect(!Self.isOpen(f.path))
    }

    @Test func aWriteOrAChmodMovesCtimeAndDropsTheOpen() throws {
        for change in ["write", "chmod"] {
            let f = try Self.opened("before")
            let memo = OpenFileMemo()
            memo.offer(Array(f.path.utf8), fd: f.fd, info: f.info, now: Self.later(f.info))
            // ctime moves with the clock: make sure a tick passes even on coarse timestamps.
            usleep(20_000)
            if change == "write" {
                let w = open(f.path, O_WRONLY | O_TRUNC)
                #expect(write(w, "after", 5) == 5)
                Glibc.close(w)
            } else {
                #expect(chmod(f.path, 0o600) == 0)
            }
            #expect(memo.lookup(Array(f.path.utf8), maxSize: 16_384) == nil, "after a \(change)")
            #expect(memo.openCount == 0)
        }
    }

    @Test func aFileGrownPastTheLimitOrGoneIsDropped() throws {
        let f = try Self.opened(String(repeating: "x", count: 100))
        let memo = OpenFileMemo()
        memo.offer(Array(f.path.utf8), fd: f.fd, info: f.info, now: Self.later(f.info))
        #expect(memo.lookup(Array(f.path.utf8), maxSize: 99) == nil)
        #expect(memo.openCount == 0)

        let g = try Self.opened("soon gone")
        memo.offer(Array(g.path.utf8), fd: g.fd, info: g.info, now: Self.later(g.info))
        #expect(unlink(g.path) == 0)
        #expect(memo.lookup(Array(g.path.utf8), maxSize: 16_384) == nil)
        #expect(!Self.isOpen(g.path))
    }

    @Test func aSlotUnusedForAWholeSweepPeriodIsClosed() throws {
        let f = try Self.opened("idle")
        let memo = OpenFileMemo()
        memo.offer(Array(f.path.utf8), fd: f.fd, info: f.info, now: Self.later(f.info))
        memo.sweep()   // used since it was kept
        #expect(memo.openCount == 1)
        #expect(memo.lookup(Array(f.path.utf8), maxSize: 16_384) != nil)
        memo.sweep()   // used again in between
        #expect(memo.openCount == 1)
        memo.sweep()   // not used since the last sweep
        #expect(memo.openCount == 0)
        #expect(!Self.isOpen(f.path))
    }

    @Test func aFailedReadForgetsTheOpen() throws {
        let f = try Self.opened("x")
        let memo = OpenFileMemo()
        memo.offer(Array(f.path.utf8), fd: f.fd, info: f.info, now: Self.later(f.info))
        memo.forget(f.fd)
        #expect(memo.openCount == 0)
        #expect(!Self.isOpen(f.path))
    }

    // MARK: - Through a running worker

    /// The descriptors of the proxy process that lead to `path` (`(deleted)` marks one whose file is gone).
    static func opens(of pid: pid_t, to path: String) -> [String] {
        let dir = "/proc/\(pid)/fd"
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var found: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            var target = [CChar](repeating: 0, count: 4096)
            let n = readlink(dir + "/" + name, &target, target.count - 1)
            guard n > 0 else { continue }
            let text = String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix(path) { found.append(text) }
        }
        return found
    }

    @Test func aServedFileIsAlwaysTheFileAtThePathNow() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; root html; }
            """, files: ["html/page.txt": "version one\n"])
        let path = f.proxy.prefix + "/html/page.txt"
        // Only a file unchanged for two seconds is kept open.
        usleep(2_200_000)
        #expect(try f.get("/page.txt").text == "version one\n")
        #expect(Self.opens(of: f.proxy.pid, to: path).count == 1, "kept open after its response")
        #expect(try f.get("/page.txt").text == "version one\n")

        // Rewritten in place, longer: the new bytes with the new length.
        try TempDir.write(path, "version two, longer\n")
        let two = try f.get("/page.txt")
        #expect(two.text == "version two, longer\n")
        #expect(two.header("Content-Length") == "20")

        // Replaced by a rename, as deploy tools do.
        try TempDir.write(path + ".tmp", "version three\n")
        #expect(rename(path + ".tmp", path) == 0)
        #expect(try f.get("/page.txt").text == "version three\n")

        // Deleted while nobody asks for it: the worker lets go of it within its sweep, then answers 404.
        usleep(2_200_000)
        #expect(try f.get("/page.txt").text == "version three\n")
        #expect(Self.opens(of: f.proxy.pid, to: path).count == 1)
        #expect(unlink(path) == 0)
        #expect(eventually(seconds: 5) { Self.opens(of: f.proxy.pid, to: path).isEmpty })
        #expect(try f.get("/page.txt").status == 404)
    }
}
