/// A lookup table from byte strings to values that the request path reads once per request: `location =` texts
/// (keyed by the request's URI) and server names (by its Host). Up to `linearLimit` entries are compared in turn,
/// length first, so a miss (the usual case: most URIs match no `=` location) costs a few integer compares; a
/// dictionary would hash the whole URI first, byte by byte. Larger tables are a dictionary.
struct ByteKeyMap<Value> {
    static var linearLimit: Int { 8 }

    private let few: [(key: [UInt8], value: Value)]
    private let many: [[UInt8]: Value]?

    init(_ table: [[UInt8]: Value]) {
        if table.count <= Self.linearLimit {
            few = table.map { (key: $0.key, value: $0.value) }
            many = nil
        } else {
            few = []
            many = table
        }
    }

    subscript(key: [UInt8]) -> Value? {
        if let many { return many[key] }
        for entry in few where entry.key.count == key.count && entry.key == key { return entry.value }
        return nil
    }
}
