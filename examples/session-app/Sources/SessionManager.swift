import EventLoop
import Glibc

/// MSM's session manager in the three modes the demo knows (see `AppOptions.Mode`): finds the requested session
/// at the start of a request, stores it at the end, and takes over a session stamped with another node's route.
///
///     var s = manager.begin(requested, path: path, lock: &lock) ?? manager.create()
///     s.record.hits += 1
///     manager.end(s, modified: true, path: path, lock: lock)
///
/// Every memcached copy carries a revision; a node reading several copies (memcached nodes that were down a
/// while, the local copy kept while memcached was unreachable) takes the newest, so nothing is lost or rolled back.
final class SessionManager {
    let options: AppOptions
    private let cluster: MemcachedCluster?
    private let placement: NodePlacement
    private let failoverNodes: Set<Int>
    private let log: Log
    /// Local sessions by base: primary in local and sticky mode; in non-sticky mode only while memcached
    /// cannot take them.
    private(set) var local: [String: SessionRecord] = [:]
    /// `lockingMode="auto"`: paths seen not to modify the session, which then run without a lock.
    private(set) var readOnlyPaths: Set<[UInt8]> = []
    private let lockExpirySeconds = 5

    init(options: AppOptions, log: Log) {
        self.options = options
        self.log = log
        let nodes = options.memcachedNodes
        cluster = nodes.isEmpty ? nil : MemcachedCluster(nodes: nodes, timeoutMillis: options.operationTimeoutMillis, log: log)
        placement = NodePlacement(nodeCount: max(nodes.count, 1))
        if case .sticky(let ids) = options.mode {
            failoverNodes = Set(ids.compactMap { id in nodes.firstIndex { $0.id == id } })
        } else {
            failoverNodes = []
        }
    }

    private var route: String? { options.jvmRoute }
    private var now: Int { Int(time(nil)) }

    /// The requested session, or nil when the request names none or it is not found (expired, unknown, or
    /// another node's while sessions are not shared). In non-sticky mode it may take the session lock first.
    func begin(_ requested: RequestedSession, path: [UInt8], lock: inout SessionLock?) -> ActiveSession? {
        guard let id = requested.id else { return nil }
        let ours = id.route == route
        var candidates: [SessionRecord] = []
        switch options.mode {
        case .local:
            guard ours, let r = local[id.base] else { return nil }
            candidates = [r]
        case .sticky:
            if ours, let r = local[id.base] {
                candidates = [r]
            } else {
                candidates = loadAll(base: id.base) + (local[id.base].map { [$0] } ?? [])
            }
        case .nonSticky(let locking):
            if needsLock(locking, path: path) { lock = acquireLock(base: id.base) }
            candidates = loadAll(base: id.base) + (local[id.base].map { [$0] } ?? [])
        case .replicated:
            // Its own route: memory only (this node believes it is the session's home). Another's: the copy.
            if ours {
                guard let r = local[id.base] else { return nil }
                candidates = [r]
            } else {
                candidates = loadAll(base: id.base) + (local[id.base].map { [$0] } ?? [])
            }
        }
        guard var record = candidates.max(by: { $0.revision < $1.revision }) else { return nil }
        if record.isExpired(now: now, timeoutSeconds: options.sessionTimeoutSeconds) {
            local.removeValue(forKey: id.base)
            return nil
        }
        record.accessedSeconds = now
        // MSM re-stamps only in sticky mode (changeSessionIdOnTomcatFailover): non-sticky sessions belong to no node.
        if case .sticky = options.mode, !ours {
            log.info("took over session \(id.text) from \(id.route ?? "a node without jvmRoute") as \(id.restamped(route: route).text)")
            return ActiveSession(id: id.restamped(route: route), record: record, isNew: false, idChanged: true)
        }
        return ActiveSession(id: id, record: record, isNew: false, idChanged: false)
    }

    func create() -> ActiveSession {
        let id = SessionID.generate(route: route)
        return ActiveSession(id: id, record: .new(base: id.base, now: now), isNew: true, idChanged: false)
    }

    /// Stores the session as the mode says and releases the lock. `modified`: the request changed the session
    /// (MSM writes only changed sessions).
    func end(_ session: ActiveSession?, modified: Bool, path: [UInt8], lock: SessionLock?) {
        defer { if let lock { cluster?.delete(node: lock.node, key: lock.key) } }
        if case .nonSticky(.auto) = options.mode, session != nil {
            if modified {
                readOnlyPaths.remove(path)
            } else {
                if readOnlyPaths.count >= 1000 { readOnlyPaths.removeAll() }  // bounded: any path can be asked for
                readOnlyPaths.insert(path)
            }
        }
        guard var s = session else { return }
        let write = modified || s.needsCookie
        if write { s.record.revision += 1 }
        switch options.mode {
        case .local:
            local[s.id.base] = s.record
        case .sticky:
            local[s.id.base] = s.record
            if write, let cluster {
                let target = placement.sticky(base: s.id.base, failover: failoverNodes, isAvailable: cluster.isAvailable)
                if let target {
                    cluster.set(node: target, key: s.id.base, value: s.record.encoded(),
                                expirySeconds: options.sessionTimeoutSeconds)
                }
            }
        case .replicated:
            local[s.id.base] = s.record
            guard write, let cluster else { return }
            for node in placement.nonSticky(base: s.id.base) {
                _ = cluster.set(node: node, key: s.id.base, value: s.record.encoded(), expirySeconds: options.sessionTimeoutSeconds)
            }
        case .nonSticky:
            guard write, let cluster else { return }
            var stored = false
            for node in placement.nonSticky(base: s.id.base) {
                if cluster.set(node: node, key: s.id.base, value: s.record.encoded(),
                               expirySeconds: options.sessionTimeoutSeconds) { stored = true }
            }
            // Dropped locally once memcached has it; kept while no node can take it, so the session survives.
            if stored { local.removeValue(forKey: s.id.base) } else { local[s.id.base] = s.record }
        }
    }

    /// Forgets expired local sessions (Tomcat's background expiry).
    func sweep() {
        let t = now
        local = local.filter { !$0.value.isExpired(now: t, timeoutSeconds: options.sessionTimeoutSeconds) }
    }

    /// One line for the page: how sessions are kept on this node.
    var storeDescription: String {
        let nodes = options.memcachedNodes.map { "\($0.id) \($0.address)" }.joined(separator: ", ")
        switch options.mode {
        case .local: return "local (no memcached)"
        case .sticky(let f):
            return "sticky MSM: local primary, backup in memcached \(nodes)" + (f.isEmpty ? "" : "; failover node \(f.joined(separator: ","))")
        case .nonSticky(let l): return "non-sticky MSM: memcached \(nodes) primary + backup; locking \(l.rawValue)"
        case .replicated: return "replicated (DeltaManager-like, no re-stamp): memory, every change copied to \(nodes)"
        }
    }

    // MARK: - memcached

    /// Every copy memcached has (all nodes asked: the placement may have moved while a node was down).
    private func loadAll(base: String) -> [SessionRecord] {
        guard let cluster else { return [] }
        var out: [SessionRecord] = []
        for node in 0..<cluster.count {
            if case .hit(let bytes) = cluster.get(node: node, key: base) {
                if let r = SessionRecord.decode(bytes, base: base) { out.append(r) }
            }
        }
        return out
    }

    private func needsLock(_ locking: AppOptions.LockingMode, path: [UInt8]) -> Bool {
        switch locking {
        case .none: return false
        case .all: return true
        case .auto: return !readOnlyPaths.contains(path)
        }
    }

    /// MSM's lock: `add lock:<id>` on the session's primary node (its backup when the primary is down), retried
    /// with a growing pause until the operation timeout; then the request goes on without the lock, logged.
    private func acquireLock(base: String) -> SessionLock? {
        guard let cluster else { return nil }
        let key = "lock:" + base
        let deadline = Clock.monotonicNanos() + UInt64(options.operationTimeoutMillis) * 1_000_000
        var pause: Int32 = 5
        for node in placement.nonSticky(base: base) {
            while true {
                guard let stored = cluster.add(node: node, key: key, value: Array("1".utf8),
                                               expirySeconds: lockExpirySeconds)
                else { break }  // node unavailable: lock on the backup
                if stored { return SessionLock(node: node, key: key) }
                if Clock.monotonicNanos() >= deadline {
                    log.info("session \(base) stayed locked for \(options.operationTimeoutMillis) ms; going on without the lock")
                    return nil
                }
                _ = poll(nil, 0, pause)  // another node's request holds it: wait for that request to end
                pause = min(pause * 2, 50)
            }
        }
        return nil
    }
}
