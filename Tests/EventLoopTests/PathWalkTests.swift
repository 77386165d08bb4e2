import EventLoop
import Testing

/// How disable_symlinks walks a path: the unchecked prefix, the directories opened one by one, the last name.
struct PathWalkTests {
    func names(_ path: String, from: Int) -> (prefix: String?, directories: [String], last: String?) {
        let bytes = Array(path.utf8)
        let w = PathWalk(bytes, from: from)
        func text(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }
        return (w.prefix.map(text), w.directories.map(text), w.last.map(text))
    }

    @Test func everyComponentIsWalkedWithoutFrom() {
        let w = names("/srv/www/a/b.html", from: 0)
        #expect(w.prefix == nil && w.directories == ["srv", "www", "a"] && w.last == "b.html")
        #expect(PathWalk(Array("/srv/x".utf8), from: 0).absolute)
        #expect(!PathWalk(Array("html/x".utf8), from: 0).absolute)
    }

    @Test func fromLeavesThePrefixUnchecked() {
        let w = names("/srv/www/a/b.html", from: 8)
        #expect(w.prefix == "/srv/www" && w.directories == ["a"] && w.last == "b.html")
    }

    /// `//` is skipped; `.` and `..` are names like any other (openat resolves them); a trailing `/` means the
    /// last directory is what is opened.
    @Test func emptyDotAndTrailingSlash() {
        let w = names("///srv//./cache/..//x", from: 0)
        #expect(w.directories == ["srv", ".", "cache", ".."] && w.last == "x")
        let d = names("/srv/link/", from: 0)
        #expect(d.directories == ["srv", "link"] && d.last == nil)
        #expect(names("/", from: 0).last == nil)
    }
}
