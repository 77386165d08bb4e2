/// Where nginx builds its per-level hash tables (the types, and the proxy headers to set and hide) and the sizes
/// each level gives them: every server builds both, with its own or the http block's sizes; a deeper level
/// builds one again only when it has its own `types {}`, or its own proxy_set_header, proxy_hide_header or
/// proxy_pass_header, and otherwise shares its parent's. switchyard has no such tables; this is only for `-t`'s
/// refusal of a size of 0 where nginx builds (ConfigBuilder+HashSizes.swift). Levels are the builder's block
/// numbers, outermost first.
struct LevelHashTables {
    enum Table: String { case types, proxyHeaders = "proxy_headers" }

    private struct Size {
        let level: Int
        let directive: String
        let isZero: Bool
    }

    private var sizes: [Size] = []
    private var builds: [(levels: [Int], table: Table)] = []

    mutating func size(_ directive: String, isZero: Bool, at level: Int) {
        sizes.append(Size(level: level, directive: directive, isZero: isZero))
    }

    mutating func build(_ table: Table, at levels: [Int]) {
        if let last = builds.last, last.levels == levels && last.table == table { return }
        builds.append((levels, table))
    }

    /// The first table built with a size of 0, and which directive gave it, in the order the levels came.
    func firstZero() -> (table: Table, directive: String)? {
        if !sizes.contains(where: \.isZero) { return nil }
        for b in builds {
            for part in ["max_size", "bucket_size"] {
                let directive = "\(b.table.rawValue)_hash_\(part)"
                // The innermost level on the build's path that sets this size.
                var best: (depth: Int, zero: Bool)? = nil
                for s in sizes where s.directive == directive {
                    guard let depth = b.levels.firstIndex(of: s.level) else { continue }
                    if best == nil || depth >= best!.depth { best = (depth, s.isZero) }
                }
                if best?.zero == true { return (b.table, directive) }
            }
        }
        return nil
    }
}
