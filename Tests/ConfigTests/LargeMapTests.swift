@testable import Config
import Testing

/// A `map` of tens of thousands of keys, as generated maps are (redirect lists, tenant tables): it loads with every
/// key in order, and a repeated exact key is still refused with its file and line. Loading one took time that grew
/// with the square of its size (each key was compared with every key before it); the check is now a set.
struct LargeMapTests {
    private static let size = 20_000

    /// `map $uri $bigmap { include map.conf; }` with `lines` in map.conf (its line N is `lines[N - 1]`).
    private func files(_ lines: [String]) -> [String: String] {
        var files = http("map $uri $bigmap { default none; include map.conf; }\nserver { }")
        files["map.conf"] = lines.joined(separator: "\n") + "\n"
        return files
    }

    private var entries: [String] { (1...Self.size).map { "/p\($0) v\($0);" } }

    @Test func everyKeyOfALargeMapLoadsInOrder() throws {
        var lines = entries
        lines.append("~^/re/(?<id>\\d+)$ r$id;")
        lines.append("~^/re/(?<id>\\d+)$ again;")   // a repeated regex is accepted, as nginx does
        lines.append("\\~tilde t;")
        let map = try load(files(lines)).http!.maps[0]
        #expect(map.entries.count == Self.size + 3)
        #expect(map.defaultValue == (try Template("none")))
        for i in [1, Self.size / 2, Self.size] {
            #expect(map.entries[i - 1].key == .exact("/p\(i)"))
            #expect(map.entries[i - 1].value == (try Template("v\(i)")))
            #expect(map.entries[i - 1].location.description == "/c/map.conf:\(i)")
        }
        #expect(map.entries[Self.size].key == .regex("^/re/(?<id>\\d+)$", caseInsensitive: false))
        #expect(map.entries[Self.size + 1].value == (try Template("again")))
        #expect(map.entries[Self.size + 2].key == .exact("~tilde"))
    }

    @Test func aRepeatedExactKeyInALargeMapIsRefusedWithItsLine() {
        // The first key again, last: found however far back it is.
        #expect(loadError(files(entries + ["/p1 again;"]))
            == "conflicting parameter \"/p1\" in /c/map.conf:\(Self.size + 1)")
        // Exact keys are lower-cased: `/P500` repeats `/p500`.
        var lines = entries
        lines.insert("/P500 upper;", at: Self.size / 2)
        #expect(loadError(files(lines)) == "conflicting parameter \"/P500\" in /c/map.conf:\(Self.size / 2 + 1)")
        // `\~x` is the exact key `~x`, which repeats only another `\~x`, not the regex `~x`.
        #expect(loadError(files(entries + ["~x re;", "\\~x exact;"])) == "loaded")
        #expect(loadError(files(entries + ["\\~x one;", "\\~x two;"]))
            == "conflicting parameter \"\\~x\" in /c/map.conf:\(Self.size + 2)")
        // Two maps do not share keys.
        var two = files(entries)
        two["nginx.conf"] = "events {}\nhttp {\nmap $uri $a { include map.conf; }\nmap $uri $b { include map.conf; }\nserver { }\n}\n"
        #expect(loadError(two) == "loaded")
    }
}
