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

    /// The list a reload publishes when the API edited the old list after the reload merged it: `self` was
    /// merged from `basis`, and `edited` is `basis` with those later edits. The edits apply on top, as if they
    /// had come after the reload: a patched server that the reload kept takes the patch; one deleted stays
    /// deleted; one added is added with the id the API answered. The reload's new lines, whose ids nobody has
    /// seen yet, move past the added ones' ids.
    func rebased(basis: ServerList, edited: ServerList) -> ServerList {
        let before = Dictionary(basis.servers.map { ($0.id, $0) }) { a, _ in a }
        let after = Dictionary(edited.servers.map { ($0.id, $0) }) { a, _ in a }
        let shift = max(0, edited.nextID - basis.nextID)
        var out = ServerList(servers: [], nextID: nextID + shift, deleted: deleted)
        for var s in servers {
            guard let was = before[s.id] else {
                s = LiveServer(id: s.id + shift, config: s.config, address: s.address, origin: s.origin)
                out.servers.append(s)
                continue
            }
            guard let now = after[s.id] else {
                if let origin = s.origin { out.deleted.append(origin) }
                continue
            }
            if now != was { s.config = now.config }
            out.servers.append(s)
        }
        out.servers += edited.servers.filter { before[$0.id] == nil }
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
///
/// A reload makes a new one of these from this one's list. Until every worker serves the new configuration,
/// some still edit this one through the API: from the moment the reload commits (`commit` on the new one)
/// this one hands each edit to its successor, and the edits that came between the reload's merge and its
/// commit are carried over then, so no edit is lost to a reload.
final class UpstreamServers: Sendable {
    let version: Atomic<Int>
    private let published: Lock<ServerSet>
    /// Edits one at a time (the set lock is held only to swap): building a set may write the state file.
    /// Holds the set that replaced this one at a committed reload, which takes every edit from then on.
    private let editing = Lock<UpstreamServers?>(nil)
    /// `state FILE` (absolute path): written with every edit's list before it is published, so a restart reads
    /// the edits back.
    let stateFile: String?
    /// The servers a reload merged this one from, and the list it read from them, until the reload commits.
    private let mergedFrom: Lock<(old: UpstreamServers, basis: ServerList)?>

    init(_ initial: ServerSet, stateFile: String? = nil, mergedFrom: (old: UpstreamServers, basis: ServerList)? = nil) {
        version = Atomic(initial.version)
        published = Lock(initial)
        self.stateFile = stateFile
        self.mergedFrom = Lock(mergedFrom)
    }

    var current: ServerSet { published.withLock { $0 } }

    /// These servers, or after a committed reload the ones that took over from them: what the API shows, so a
    /// worker that has not yet adopted the new configuration answers a GET with the edits forwarded since.
    var latest: UpstreamServers { editing.withLock { $0 }?.latest ?? self }

    /// Applies `change` to the current list; if it succeeds, writes the state file (`report` hears why it could
    /// not), then builds and publishes the next version. After a reload, the edit goes to the successor.
    func edit<T>(now: Instant, report: (String) -> Void,
                 _ change: (inout ServerList) throws(APIError) -> T) throws(APIError) -> T {
        try editing.withLock { (successor: inout UpstreamServers?) throws(APIError) -> T in
            if let successor { return try successor.edit(now: now, report: report, change) }
            let old = current
            var list = old.list
            let result = try change(&list)
            let next = try ServerSet.successor(of: old, list: list, now: now)
            if let stateFile, let failure = StateFile.write(list, to: stateFile) { report(failure) }
            published.withLock { $0 = next }
            version.store(next.version, ordering: .releasing)
            return result
        }
    }

    /// The reload that made this one commits: it takes over from the servers it was merged from. Edits they
    /// took since the merge are applied here (ServerList.rebased), and they forward every later one. The old
    /// ones are let go of, so a runtime does not keep its predecessor's alive.
    func commit(now: Instant, report: (String) -> Void) {
        guard let (old, basis) = mergedFrom.withLock({ m in defer { m = nil }; return m }) else { return }
        old.editing.withLock { (successor: inout UpstreamServers?) in
            let edited = old.current.list
            if edited != basis {
                _ = try? edit(now: now, report: report) { (list: inout ServerList) throws(APIError) in
                    list = list.rebased(basis: basis, edited: edited)
                }
            }
            successor = self
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
