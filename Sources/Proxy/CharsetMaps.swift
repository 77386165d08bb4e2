import ASCIIBytes
import Config
import HTTP1

/// The http block's `charset_map` tables, both directions of each (nginx derives the reverse one), and every
/// charset name the configuration knows (maps, `charset`, `source_charset`): nginx's list of charsets, which decides
/// whether a name seen at run time (an upstream's `charset=`, `X-Accel-Charset`, a variable) is one it knows.
/// Built once at load, shared read-only by the workers.
final class CharsetMaps: Sendable {
    /// Lowercased `from` name → lowercased `to` name → table.
    private let tables: [[UInt8]: [[UInt8]: CharsetTable]]
    private let names: Set<[UInt8]>

    init(_ maps: [CharsetMapConfig], names configured: [String]) {
        var tables: [[UInt8]: [[UInt8]: CharsetTable]] = [:]
        var names = Set(configured.map { Array($0.lowercased().utf8) })
        for m in maps {
            let from = Array(m.from.lowercased().utf8), to = Array(m.to.lowercased().utf8)
            let (forward, reverse) = CharsetTable.pair(utf8: m.utf8, lines: m.lines.map { ($0.byte, $0.target) })
            tables[from, default: [:]][to] = forward
            tables[to, default: [:]][from] = reverse
            names.insert(from); names.insert(to)
        }
        self.tables = tables
        self.names = names
    }

    /// The table from one charset to another (names in any case), nil without a map between them.
    func table<A: Collection<UInt8>, B: Collection<UInt8>>(from: A, to: B) -> CharsetTable? {
        tables[ASCII.lowercased(from)]?[ASCII.lowercased(to)]
    }

    func knows<C: Collection<UInt8>>(_ name: C) -> Bool { names.contains(ASCII.lowercased(name)) }

    /// A configuration without a `charset_map`: names only.
    var isEmpty: Bool { tables.isEmpty }
}
