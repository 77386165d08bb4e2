import Synchronization

/// One server's standing with one `health_check`: nginx Plus's fails/passes rule as a value (the prober keeps one
/// per check and server; no clock or socket in here). `fails` failed checks in a row make a healthy server
/// unhealthy; `passes` passed checks in a row make an unhealthy one healthy again.
///
///     var s = HealthCheckState(unhealthy: false)
///     if s.record(passed: false, fails: 2, passes: 1) == .becameUnhealthy { … }
public struct HealthCheckState: Sendable, Equatable {
    public private(set) var unhealthy: Bool
    /// Consecutive results of the current kind (fails while healthy, passes while unhealthy).
    public private(set) var streak = 0

    public enum Transition: Sendable, Equatable { case becameUnhealthy, becameHealthy }

    /// `unhealthy: true` for a server that must pass before it takes traffic (`mandatory`, or one carried over
    /// unhealthy from the previous configuration).
    public init(unhealthy: Bool) { self.unhealthy = unhealthy }

    public mutating func record(passed: Bool, fails: Int, passes: Int) -> Transition? {
        if passed == !unhealthy {   // the result agrees with the state: any streak toward a change ends
            streak = 0
            return nil
        }
        streak += 1
        if unhealthy && streak >= passes {
            unhealthy = false
            streak = 0
            return .becameHealthy
        }
        if !unhealthy && streak >= fails {
            unhealthy = true
            streak = 0
            return .becameUnhealthy
        }
        return nil
    }
}

/// A server's health-check counters, as nginx Plus's API reports them (`health_checks`): shared by every worker
/// (the prober writes, pages read), kept in the server's slot so a reload and an API edit carry them over.
final class HealthCheckCounters: Sendable {
    let checks = Atomic<Int>(0)
    let fails = Atomic<Int>(0)
    /// Times the server became unhealthy.
    let unhealthy = Atomic<Int>(0)
    /// 0: never checked; 1: the last check failed; 2: it passed.
    let lastPassed = Atomic<Int>(0)

    func copy(from old: HealthCheckCounters) {
        checks.store(old.checks.load(ordering: .relaxed), ordering: .relaxed)
        fails.store(old.fails.load(ordering: .relaxed), ordering: .relaxed)
        unhealthy.store(old.unhealthy.load(ordering: .relaxed), ordering: .relaxed)
        lastPassed.store(old.lastPassed.load(ordering: .relaxed), ordering: .relaxed)
    }
}

/// `health_checks` of one server at one moment.
public struct HealthCheckSnapshot: Sendable, Equatable {
    public let checks: Int
    public let fails: Int
    public let unhealthy: Int
    /// nil: never checked.
    public let lastPassed: Bool?
    /// Out of rotation because of its checks (unhealthy, or `mandatory` and not yet passed).
    public let isUnhealthy: Bool
}
