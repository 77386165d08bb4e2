import Cache
import Glibc
import SwitchyardTestSupport
import Testing

/// proxy_store's file through the cache's writer: no entry prefix, the bytes as they came; at commit the mode,
/// the modification time and the missing directories; an abort (or no commit) leaves no temp file.
@Suite struct StoredFileTests {
    private static func info(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }

    @Test func commitGivesTheFileItsModeTimeAndPlace() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        mkdir(dir.path + "/temp", 0o700)
        let final = dir.path + "/a/b/page.html"
        let w = try StoredFile.begin(final: final, tempDirectory: dir.path + "/temp",
                                     FileCacheWriter.PlainFile(mode: 0o640, directoryMode: 0o750, modified: 1_796_551_200))
        try w.append(bytes: Array("hello ".utf8))
        try w.append(bytes: Array("world".utf8))
        #expect(TempDir.names(in: dir.path + "/temp").count == 1)
        #expect(Self.info(final) == nil)   // nothing in place before the commit
        #expect(try w.commit() == 11)
        #expect(try TempDir.readBytes(final) == Array("hello world".utf8))
        #expect(Self.info(final).map { $0.st_mode & 0o777 } == 0o640)
        #expect(Self.info(final).map { $0.st_mtim.tv_sec } == 1_796_551_200)
        #expect(Self.info(dir.path + "/a/b").map { $0.st_mode & 0o777 } == 0o750)
        #expect(TempDir.names(in: dir.path + "/temp").isEmpty)
    }

    @Test func anAbortOrADroppedWriterLeavesNothing() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let plain = FileCacheWriter.PlainFile(mode: 0o600, directoryMode: 0o700, modified: nil)
        let w = try StoredFile.begin(final: dir.path + "/x", tempDirectory: dir.path, plain)
        try w.append(bytes: Array("part".utf8))
        w.abort()
        #expect(TempDir.names(in: dir.path).isEmpty)
        do {
            let dropped = try StoredFile.begin(final: dir.path + "/y", tempDirectory: dir.path, plain)
            try dropped.append(bytes: Array("part".utf8))
        }
        #expect(TempDir.names(in: dir.path).isEmpty)
        #expect(throws: CacheStorageError.self) {
            _ = try StoredFile.begin(final: dir.path + "/z", tempDirectory: dir.path + "/missing", plain)
        }
    }
}
