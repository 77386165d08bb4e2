import Balancing
import EventLoop
import Locking
import Synchronization

/// One server of an upstream as the runtime API sees it: its id (stable while the server exists, across reloads
/// too), its parameters with the API's edits, and the configuration line it came from.
struct LiveServer: Sendable, Equatable {
    let id: Int
    var config: PeerConfig
    var address: SocketAddress
    /// The configuration's server (one resolved address of its line) this came from; nil when the API added it.
    /// A reload that finds the same line again keeps this server, edits included.
    let origin: PeerConfig?
}

/// The servers of an upstream as one value: what an edit changes, and what a reload merges with the new lines.
struct ServerList: Sendable, Equatable {
    var servers: [LiveServer]
    var nextID: Int
    /// Configuration lines the API deleted: a reload that keeps the line keeps the server deleted.
    var deleted: [PeerConfig] = []

    /// The list a reload starts from: `lines` are the new configuration's servers (one per address). A line
    /// the old configuration had too keeps its server as edited (or deleted); a new or changed line comes as
    /// written (the file is the newer word on it); servers the API added stay. nginx Plus keeps API changes
    /// across a reload only through `state`; keeping them for lines that did not change is what an operator
    /// who drained a server and then reloaded for another reason expects.
    /// `fromStateFile`: the lines are the `state` file's, which already holds the API's edits and additions.
    static func merging(lines: [(PeerConfig, SocketAddress)], previous: ServerList?, fromStateFile: Bool = false) -> ServerList {
        guard let previous else {
            return ServerList(servers: lines.enumerated().map { LiveServer(id: $0, config: $1.0, address: $1.1, origin: $1.0) },
                              nextID: lines.count)
        }
        var unclaimed = previous.servers
        var deleted = fromStateFile ? [] : previous.deleted
        var out = ServerList(servers: [], nextID: previous.nextID)
        for (line, address) in lines {
            if let i = unclaimed.firstIndex(where: { $0.origin == line }) ?? unclaimed.firstIndex(where: { $0.config == line }) {
                out.servers.append(unclaimed.remove(at: i))
            } else if let d = deleted.firstIndex(of: line) {
                deleted.remove(at: d)
                out.deleted.append(line)
            } else {
                out.servers.append(LiveServer(id: out.nextID, config: line, address: address, origin: line))
                out.nextID += 1
            }
        }
        if !fromStateFile { out.servers += unclaimed.filter { $0.origin == nil } }
        return out
    }
}

/// One published version of an upstream's servers: a worker's balancer is made from one of these, and every
/// index a pick returns is an index into this version's arrays.
final class ServerSet: @unchecked Sendable {
    let version: Int
    let list: ServerList
    let addresses: [SocketAddress]
    /// `addresses` as `$upstream_addr` prints them, formatted once per version, not per try.
    let labels: [[UInt8]]
    let health: PeerHealth
    let policy: BalancerPolicy

    init(version: Int, list: ServerList, health: PeerHealth, policy: BalancerPolicy) {
        self.version = version
        self.list = list
        self.addresses = list.servers.map(\.address)
        self.labels = addresses.map { Array($0.description.utf8) }
        self.health = health
        self.policy = policy
    }

    var peers: [PeerConfig] { health.peers }
}

/// An upstream's current `ServerSet`, shared by every worker. Workers read `version` (one atomic load a
/// request) and take the lock only when it moved, to make a balancer for the new set; an edit builds the new
/// set under the lock and publishes it by storing the version last.
final class UpstreamServers: Sendable {
    let version: Atomic<Int>
    private let published: Lock<ServerSet>
    /// Edits one at a time (the set lock is held only to swap): building a set may write the state file.
    private let editing = Lock(())

    init(_ initial: ServerSet) {
        version = Atomic(initial.version)
        published = Lock(initial)
    }

    var current: ServerSet { published.withLock { $0 } }

    /// Applies `change` to the current list; if it succeeds, builds and publishes the next version. `persist`
    /// runs with the new list before it is published (the state file), still one edit at a time.
    func edit<T>(now: Instant, persist: (ServerList) -> Void,
                 _ change: (inout ServerList) throws(APIError) -> T) throws(APIError) -> T {
        try editing.withLock { (_: inout Void) throws(APIError) -> T in
            let old = current
            var list = old.list
            let result = try change(&list)
            let next = try ServerSet.successor(of: old, list: list, now: now)
            persist(list)
            published.withLock { $0 = next }
            version.store(next.version, ordering: .releasing)
            return result
        }
    }
}

extension ServerSet {
    /// The set after an edit: servers that stay share their counters with this one; the balancing method,
    /// session tables and counters are the same objects.
    static func successor(of old: ServerSet, list: ServerList, now: Instant) throws(APIError) -> ServerSet {
        let oldIndex = Dictionary(old.list.servers.enumerated().map { ($1.id, $0) }) { a, _ in a }
        let health = old.health.successor(peers: list.servers.map(\.config), sources: list.servers.map { oldIndex[$0.id] })
        health.updateDrainClocks(now: now)
        let f = old.policy.factory
        let factory: BalancerFactory
        do {
            factory = try BalancerFactory(kind: f.kind, affinity: f.affinity, health: health, learnTable: f.learnTable,
                                          failbackTable: f.failbackTable, counters: f.counters, share: f.share)
        } catch {
            throw APIError(400, "UpstreamConfFormatError", error.description)
        }
        let policy = BalancerPolicy(factory: factory, hashKey: old.policy.hashKey, route: old.policy.route,
                                    share: old.policy.share)
        return ServerSet(version: old.version + 1, list: list, health: health, policy: policy)
    }
}
