/// Maps a session's route to the server that owns it: jvm_route's `srun_id=`, `sticky route`'s
/// `route=`, or `sticky cookie`'s cookie values. Routes must match exactly.
///
///     let table = try RouteTable(peers: health.peers, defaultRoute: Array("a".utf8), kind: "srun_id")
///     table.peer(for: Array("tomcat1".utf8))   // PeerID(0)
public struct RouteTable: Sendable {
    private let byRoute: [[UInt8]: Int]
    /// The same routes back to back in one array, with where each one sits: a cluster has a handful of
    /// nodes, and comparing a few short routes in place is cheaper than hashing the request's route or
    /// walking a list of arrays (each element retained and released; the lookup runs on every sticky request).
    private let flat: [UInt8]
    private let entries: [Entry]

    private struct Entry: Sendable {
        let start: Int
        let end: Int
        let index: Int
        /// The route's last eight bytes (all of it when shorter), packed: the whole route for most clusters'
        /// ids, so one integer compare rejects or accepts it.
        let tail: UInt64
    }
    /// Problems worth a config-load warning that are not errors (overlapping ids).
    public let warnings: [String]
    /// With `plusRules`: the other servers of a route, by the index `peer(for:)` gives for it, primaries
    /// before backups, each in configuration order. Empty for most tables.
    private let sharing: [Int: [Int]]
    /// A route naming a backup is followed only while no primary can serve (`plusRules`).
    public let backupsWaitForPrimaries: Bool

    /// Builds the table from each peer's `route` (or `defaultRoute` when it has none; peers with
    /// neither are not routable). Two servers with one route are an error, since a session could not
    /// know its server, unless `plusRules` (`sticky route`, as nginx Plus has it: several servers may share a
    /// route, its first usable one serves it, primaries first, and a backup's route is followed only while no
    /// primary can serve); a route that is a prefix or suffix of another is a warning, because
    /// the nginx-upstream-jvm-route module (which compares suffixes) would confuse them.
    public init(
        peers: [PeerConfig], defaultRoute: [UInt8]? = nil, kind: String = "route", plusRules: Bool = false
    ) throws(BalancingConfigError) {
        var byRoute: [[UInt8]: Int] = [:]
        var ordered: [([UInt8], Int)] = []
        var sharing: [Int: [Int]] = [:]
        // Primaries first, so a route's first server is a primary whenever one has it.
        let order = plusRules
            ? peers.indices.filter { !peers[$0].isBackup } + peers.indices.filter { peers[$0].isBackup }
            : Array(peers.indices)
        for index in order {
            let peer = peers[index]
            guard let route = peer.route ?? defaultRoute, !route.isEmpty else { continue }
            if let other = byRoute[route], plusRules {
                sharing[other, default: []].append(index)
                continue
            }
            if let other = byRoute[route] {
                let defaulted = peer.route == nil || peers[other].route == nil
                throw BalancingConfigError(
                    "duplicate \(kind) \"\(String(decoding: route, as: UTF8.self))\" in servers "
                        + "\"\(peers[other].address)\" and \"\(peer.address)\""
                        + (defaulted
                            ? " (a server without \(kind)= takes \"\(String(decoding: defaultRoute ?? [], as: UTF8.self))\")"
                            : ""))
            }
            byRoute[route] = index
            ordered.append((route, index))
        }
        var warnings: [String] = []
        for (short, shortIndex) in ordered {
            for (long, longIndex) in ordered where long.count > short.count {
                let relation: String
                if long.starts(with: short) {
                    relation = "a prefix"
                } else if long.reversed().starts(with: short.reversed()) {
                    relation = "a suffix"
                } else {
                    continue
                }
                warnings.append(
                    "\(kind) \"\(String(decoding: short, as: UTF8.self))\" of server \"\(peers[shortIndex].address)\" is "
                        + "\(relation) of \(kind) \"\(String(decoding: long, as: UTF8.self))\" of server "
                        + "\"\(peers[longIndex].address)\"; switchyard matches whole routes, "
                        + "nginx-upstream-jvm-route would confuse them")
            }
        }
        self.byRoute = byRoute
        (flat, entries) = Self.flatten(ordered)
        self.warnings = warnings
        self.sharing = sharing
        backupsWaitForPrimaries = plusRules
    }

    /// Whether some route has more than one server.
    public var hasSharedRoutes: Bool { !sharing.isEmpty }

    /// The servers after `first` that share its route, in the order they serve it.
    public func others(sharingRouteOf first: PeerID) -> [Int] { sharing[first.index] ?? [] }

    /// Builds the table from explicit keys (e.g. `sticky cookie` values), one per peer.
    init(keys: [[UInt8]]) {
        var byRoute: [[UInt8]: Int] = [:]
        for (index, key) in keys.enumerated() where byRoute[key] == nil {
            byRoute[key] = index
        }
        self.byRoute = byRoute
        (flat, entries) = Self.flatten(byRoute.map { ($0.key, $0.value) }.sorted { $0.1 < $1.1 })
        self.warnings = []
        self.sharing = [:]
        backupsWaitForPrimaries = false
    }

    private static func flatten(_ routes: [([UInt8], Int)]) -> ([UInt8], [Entry]) {
        var flat: [UInt8] = []
        var entries: [Entry] = []
        for (route, index) in routes {
            entries.append(Entry(start: flat.count, end: flat.count + route.count, index: index, tail: packTail(route[...])))
            flat.append(contentsOf: route)
        }
        return (flat, entries)
    }

    public func peer(for route: ArraySlice<UInt8>) -> PeerID? {
        if entries.count > 8 { return byRoute[Array(route)].map(PeerID.init) }
        let tail = Self.packTail(route)
        let n = route.count
        var k = 0
        while k < entries.count {
            let e = entries[k]
            if e.tail == tail && e.end - e.start == n && (n <= 8 || same(e.start, e.end &- 8, route.dropLast(8))) {
                return PeerID(e.index)
            }
            k += 1
        }
        return nil
    }

    /// The last eight bytes of `b` (fewer when it is shorter) packed into one word.
    private static func packTail(_ b: ArraySlice<UInt8>) -> UInt64 {
        var w: UInt64 = 0
        var i = b.endIndex
        let stop = b.count > 8 ? b.endIndex - 8 : b.startIndex
        while i > stop {
            i -= 1
            w = w << 8 | UInt64(b[i])
        }
        return w
    }

    public func peer(for route: [UInt8]) -> PeerID? { peer(for: route[...]) }

    /// Compares from the end: a cluster's routes usually differ only in their last bytes (tomcat1, tomcat2).
    @inline(__always)
    private func same(_ start: Int, _ end: Int, _ b: ArraySlice<UInt8>) -> Bool {
        guard end - start == b.count else { return false }
        var i = end
        var j = b.endIndex
        while i > start {
            i -= 1
            j -= 1
            if flat[i] != b[j] { return false }
        }
        return true
    }
}
