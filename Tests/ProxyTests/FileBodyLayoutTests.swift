@testable import Proxy
import Testing

/// FileBodyLayout: a byte range of a body made of a prefix and a file region, split onto the two.
@Suite struct FileBodyLayoutTests {
    @Test func rangesSplitAcrossPrefixAndFile() {
        let l = FileBodyLayout(prefix: [1, 2, 3], fileStart: 10)
        #expect(l.length(fileSize: 20) == 13)
        let whole = l.split(start: 0, count: 13)
        #expect(Array(whole.prefix) == [1, 2, 3] && whole.fileOffset == 10 && whole.fileCount == 10)
        let inside = l.split(start: 1, count: 1)
        #expect(Array(inside.prefix) == [2] && inside.fileCount == 0)
        let across = l.split(start: 2, count: 4)
        #expect(Array(across.prefix) == [3] && across.fileOffset == 10 && across.fileCount == 3)
        let past = l.split(start: 5, count: 2)
        #expect(past.prefix.isEmpty && past.fileOffset == 12 && past.fileCount == 2)
        let plain = FileBodyLayout().split(start: 7, count: 5)
        #expect(plain.prefix.isEmpty && plain.fileOffset == 7 && plain.fileCount == 5)
    }
}
