/// nginx builds a hash table for the server names on an address, the variables and each map's keys, and per level
/// for the types and the proxy headers (`LevelHashTables`), sized by the `*_hash_max_size` and
/// `*_hash_bucket_size` directives. switchyard's tables grow on their own, but a size of 0
/// leaves nginx no table to build: it refuses the configuration (with no file and line) whenever it has keys for
/// that table, and so does `-t` here. (A bucket too small for a long name is nginx's limit, not switchyard's.)
extension ConfigBuilder {
    /// In nginx's order: a map's table as its block is read, the per-level ones as the levels merge, then the
    /// variables, then the server names.
    func checkHashSizes(servers: [ServerConfig], maps: [MapConfig]) throws {
        let zeros = !zeroHashSizes.isEmpty
        if zeros {
            try checkHashSize("map", hasKeys: maps.contains { map in
                map.entries.contains { if case .exact = $0.key { true } else { false } }
            })
        }
        if let (table, directive) = firstZeroSizedHashTable {
            throw ConfigError("could not build \(table.rawValue)_hash, you should increase \(directive): 0", at: nil)
        }
        guard zeros else { return }
        // The core variables are always there.
        try checkHashSize("variables", hasKeys: true)
        // A table per address that more than one server listens on; every server has a name for it (the empty
        // one when it names none).
        var serversOn: [ListenAddress: Int] = [:]
        for server in servers { for listen in server.listens { serversOn[listen.address, default: 0] += 1 } }
        try checkHashSize("server_names", hasKeys: serversOn.values.contains { $0 > 1 })
    }

    /// nginx's ngx_hash_init looks at the maximum size first, then at the bucket size.
    private func checkHashSize(_ table: String, hasKeys: Bool) throws {
        guard hasKeys else { return }
        for part in ["max_size", "bucket_size"] where zeroHashSizes.contains("\(table)_hash_\(part)") {
            throw ConfigError("could not build \(table)_hash, you should increase \(table)_hash_\(part): 0", at: nil)
        }
    }
}
