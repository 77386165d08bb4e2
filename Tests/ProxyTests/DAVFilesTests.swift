import Config
import EventLoop
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// WebDAV's file work without a server: trees deleted and copied, parents made, and the rename that lands a PUT,
/// whose failures leave nothing behind; each failure logged with nginx's line.
struct DAVFilesTests {
    final class Lines: @unchecked Sendable { var all: [String] = [] }

    private func work() -> (DAVFiles, Lines) {
        let lines = Lines()
        return (DAVFiles(log: { level, text in lines.all.append("[\(level.rawValue)] \(text)") }), lines)
    }

    private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    private func names(_ dir: String) -> [String] {
        ((try? Syscall.allNames(in: b(dir)).get()) ?? []).map { String(decoding: $0, as: UTF8.self) }.sorted()
    }

    @Test func deleteAndCopyTrees() throws {
        let d = try TempDir.make()
        try TempDir.write(d + "/t/a", "A")
        try TempDir.write(d + "/t/.h", "H")
        try TempDir.write(d + "/t/s/b", "B")
        try TempDir.write(d + "/outside", "O")
        #expect(symlink(d + "/outside", d + "/t/link") == 0)
        let (w, lines) = work()
        #expect(Syscall.mkdir(b(d + "/c"), mode: 0o755))
        #expect(w.copyTree(b(d + "/t"), to: b(d + "/c")))
        #expect(names(d + "/c") == [".h", "a", "s"])   // the link is not copied
        #expect(names(d + "/c/s") == ["b"])
        #expect(w.delete(b(d + "/t"), directory: true) == nil)
        #expect(access(d + "/t", F_OK) != 0)
        #expect(access(d + "/outside", F_OK) == 0)   // the link went, not what it led to
        #expect(w.delete(b(d + "/t"), directory: true) == 500)
        #expect(lines.all.last == "[crit] opendir() \"\(d)/t\" failed (2: No such file or directory)")
        #expect(w.delete(b(d + "/nothing"), directory: false) == 404)
        #expect(lines.all.last == "[error] unlink() \"\(d)/nothing\" failed (2: No such file or directory)")
    }

    @Test func createFullPath() throws {
        let d = try TempDir.make()
        let (w, _) = work()
        #expect(w.createFullPath(b(d + "/x/y/z/file"), access: 0o750) == 0)
        var st = stat()
        #expect(stat(d + "/x/y/z", &st) == 0 && st.st_mode & 0o777 == 0o750)
        #expect(access(d + "/x/y/z/file", F_OK) != 0)
        try TempDir.write(d + "/f", "")
        #expect(w.createFullPath(b(d + "/f/g/h"), access: 0o700) == ENOTDIR)
    }

    @Test func aFailedRenameLeavesNothing() throws {
        let d = try TempDir.make()
        try TempDir.write(d + "/temp", "body")
        let (w, lines) = work()
        var how = DAVFiles.Rename()
        how.access = 0o640
        how.deleteSource = true
        #expect(!w.rename(b(d + "/temp"), to: b(d + "/missing/target"), how))
        #expect(access(d + "/temp", F_OK) != 0)
        #expect(lines.all == ["[crit] rename() \"\(d)/temp\" to \"\(d)/missing/target\" failed (2: No such file or directory)"])
        try TempDir.write(d + "/temp", "body")
        how.createPath = true
        how.time = 1_000_000_000
        #expect(w.rename(b(d + "/temp"), to: b(d + "/missing/target"), how))
        var st = stat()
        #expect(stat(d + "/missing/target", &st) == 0 && st.st_mode & 0o777 == 0o640 && st.st_mtim.tv_sec == 1_000_000_000)
        #expect(names(d) == ["missing"])
    }

    @Test func aRenameAcrossFileSystemsCopiesBesideTheTarget() throws {
        var shm = stat(), tmp = stat()
        guard stat("/dev/shm", &shm) == 0, stat("/tmp", &tmp) == 0, shm.st_dev != tmp.st_dev else { return }
        var template = Array("/dev/shm/switchyard-davfiles-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { Issue.record("mkdtemp failed"); return }
        let far = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { _ = system("rm -rf '\(far)'") }
        let d = try TempDir.make()
        try TempDir.write(far + "/temp", "across")
        try TempDir.write(d + "/target", "old")
        let (w, _) = work()
        var how = DAVFiles.Rename()
        how.access = 0o644
        how.deleteSource = true
        #expect(w.rename(b(far + "/temp"), to: b(d + "/target"), how))
        #expect(names(far).isEmpty)
        #expect(names(d) == ["target"])   // no numbered copy left beside it
    }

    @Test func aFullDiskFailsTheCopy() throws {
        guard access("/dev/full", W_OK) == 0 else { return }
        let d = try TempDir.make()
        try TempDir.write(d + "/src", "some bytes")
        let (w, lines) = work()
        #expect(!w.copyFile(b(d + "/src"), to: b("/dev/full")))
        #expect(lines.all.last == "[alert] write() \"/dev/full\" failed (28: No space left on device)")
        #expect(DAVRules.failure(ENOSPC, notFound: 404).status == 507)
    }
}
