import EventLoop

/// The memcached nodes of MSM's `memcachedNodes`, with their availability: a node whose operation failed is
/// skipped for `retryMillis`, then tried again (MSM's node availability cache). Logs each node going down and
/// coming back, and — what an operator must notice — when no node is left and sessions are no longer shared.
///
///     let cluster = MemcachedCluster(nodes: options.memcachedNodes, timeoutMillis: 1000, log: log)
///     cluster.get(node: 0, key: "8F3A…")   // .hit(bytes), .miss, or .unavailable
final class MemcachedCluster {
    enum Lookup: Equatable {
        case hit([UInt8])
        case miss
        case unavailable
    }

    let specs: [MemcachedNodeSpec]
    private let connections: [MemcachedConnection]
    private var downUntil: [UInt64?]
    private let retryNanos: UInt64
    private let log: Log
    /// Whether the last log line said sessions are shared (so the transition is logged once).
    private var sharing = true

    init(nodes: [MemcachedNodeSpec], timeoutMillis: Int, retryMillis: Int = 1000, log: Log) {
        specs = nodes
        connections = nodes.map { MemcachedConnection(address: $0.address, timeoutMillis: timeoutMillis) }
        downUntil = Array(repeating: nil, count: nodes.count)
        retryNanos = UInt64(retryMillis) * 1_000_000
        self.log = log
    }

    var count: Int { specs.count }

    func index(of id: String) -> Int? { specs.firstIndex { $0.id == id } }

    /// Not known to be down (a node past its retry time counts as available again).
    func isAvailable(_ node: Int) -> Bool {
        guard let until = downUntil[node] else { return true }
        return Clock.monotonicNanos() >= until
    }

    var anyAvailable: Bool { (0..<count).contains { isAvailable($0) } }

    func get(node: Int, key: String) -> Lookup {
        guard isAvailable(node) else { return .unavailable }
        do throws(MemcachedConnection.Failure) {
            let v = try connections[node].get(key)
            succeeded(node)
            return v.map { .hit($0) } ?? .miss
        } catch {
            failed(node, error)
            return .unavailable
        }
    }

    /// true when stored.
    @discardableResult
    func set(node: Int, key: String, value: [UInt8], expirySeconds: Int) -> Bool {
        guard isAvailable(node) else { return false }
        do throws(MemcachedConnection.Failure) {
            try connections[node].set(key, value, expirySeconds: expirySeconds)
            succeeded(node)
            return true
        } catch {
            failed(node, error)
            return false
        }
    }

    /// `add`: true when stored, false when the key exists, nil when the node is unavailable.
    func add(node: Int, key: String, value: [UInt8], expirySeconds: Int) -> Bool? {
        guard isAvailable(node) else { return nil }
        do throws(MemcachedConnection.Failure) {
            let stored = try connections[node].add(key, value, expirySeconds: expirySeconds)
            succeeded(node)
            return stored
        } catch {
            failed(node, error)
            return nil
        }
    }

    func delete(node: Int, key: String) {
        guard isAvailable(node) else { return }
        do throws(MemcachedConnection.Failure) {
            try connections[node].delete(key)
            succeeded(node)
        } catch {
            failed(node, error)
        }
    }

    private func succeeded(_ node: Int) {
        if downUntil[node] != nil {
            downUntil[node] = nil
            log.info("memcached \(specs[node].id) (\(specs[node].address)) is reachable again")
        }
        if !sharing {
            sharing = true
            log.info("memcached is back: sessions are shared again")
        }
    }

    private func failed(_ node: Int, _ error: MemcachedConnection.Failure) {
        let wasUp = downUntil[node] == nil
        downUntil[node] = Clock.monotonicNanos() + retryNanos
        if wasUp {
            log.info("memcached \(specs[node].id) (\(specs[node].address)) failed: \(error); skipping it for \(retryNanos / 1_000_000) ms between retries")
        }
        if sharing && !anyAvailable {
            sharing = false
            log.info("no memcached node is reachable: sessions are no longer shared, serving local sessions only")
        }
    }
}
