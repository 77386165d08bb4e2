@testable import Proxy
import Testing

/// `disable_symlinks … from=part`: how many leading bytes of a path go unchecked, as nginx reads `from`.
@Suite struct SymlinkPolicyTests {
    private func unchecked(_ path: String, from: String) -> Int? {
        SymlinkPolicy.unchecked(Array(path.utf8), from: Array(from.utf8))
    }

    @Test func thePrefixMustEndAtASlashOfThePath() {
        #expect(unchecked("/srv/www/a/b.html", from: "/srv/www") == 8)     // the slash after it
        #expect(unchecked("/srv/www/a/b.html", from: "/srv/www/") == 8)    // its own last byte
        #expect(unchecked("/srv/wwwx/b.html", from: "/srv/www") == 0)      // not at a component's end: all checked
        #expect(unchecked("/srv/www/a.html", from: "/other") == 0)         // not a prefix
        #expect(unchecked("/srv/www/a.html", from: "") == 0)               // empty: all checked
        #expect(unchecked("/srv", from: "/srv/www") == 0)                  // longer than the path
    }

    @Test func fromTheWholePathLeavesNothingToCheck() {
        #expect(unchecked("/srv/www/a.html", from: "/srv/www/a.html") == nil)
    }
}
