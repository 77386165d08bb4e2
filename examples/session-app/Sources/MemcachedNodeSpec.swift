import EventLoop

/// One `id:host:port` entry of MSM's `memcachedNodes`.
struct MemcachedNodeSpec: Equatable {
    let id: String
    let address: SocketAddress

    /// `n1:127.0.0.1:11211,n2:127.0.0.1:11212` (MSM separates with spaces; commas also work on a command line).
    static func parseList(_ text: String) throws(AppOptions.UsageError) -> [MemcachedNodeSpec] {
        var out: [MemcachedNodeSpec] = []
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, let a = SocketAddress.parse(String(parts[1])), a.port > 0 else {
                throw .init("invalid memcached node \"\(entry)\" (want id:host:port with a numeric host)")
            }
            guard !out.contains(where: { $0.id == parts[0] }) else { throw .init("duplicate memcached node id \"\(parts[0])\"") }
            out.append(MemcachedNodeSpec(id: String(parts[0]), address: a))
        }
        guard !out.isEmpty else { throw .init("--memcached names no node") }
        return out
    }
}
