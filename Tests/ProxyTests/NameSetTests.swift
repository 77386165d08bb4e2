@testable import Proxy
import Testing

/// Header-name sets: case-insensitive, exact length, no prefix or suffix matches, long names included.
struct NameSetTests {
    static let set = NameSet(["connection", "TE", "x-accel-expires", "x-" + String(repeating: "a", count: 70)])

    @Test(arguments: [
        ("connection", true), ("Connection", true), ("CONNECTION", true), ("te", true), ("Te", true),
        ("X-Accel-Expires", true), ("x-" + String(repeating: "A", count: 70), true),
        ("connectio", false), ("connections", false), ("t", false), ("tf", false), ("", false),
        ("x-accel-expirez", false), ("x-" + String(repeating: "a", count: 69), false),
        ("x-" + String(repeating: "a", count: 71), false), ("date", false),
    ])
    func matchesWholeNamesIgnoringCase(_ c: (String, Bool)) {
        #expect(Self.set.contains(Array(c.0.utf8)) == c.1)
        #expect(Self.set.contains(Array(c.0.utf8)[...]) == c.1)
    }

    @Test func anEmptySetHoldsNothing() {
        #expect(!NameSet([]).contains(Array("a".utf8)))
        #expect(!NameSet([""]).contains([]))
    }
}
