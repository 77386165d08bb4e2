import Locking

/// One `limit_req` of a location, in the zone's units: `burst` and `delay` in thousandths of a request.
public struct RequestLimitRule: Sendable {
    public let zone: RequestLimitZone
    /// The zone's `rate=` of this configuration (a reload may change it and keep the zone's entries).
    public let rate: Int
    public let burst: Int
    /// Excess served without waiting; `Int.max` for `nodelay`.
    public let delay: Int

    /// `burst` and `delay` in requests, as written.
    public init(zone: RequestLimitZone, rate: Int, burst: Int, delay: Int) {
        self.zone = zone
        self.rate = max(1, rate)
        self.burst = burst >= Int.max / 1000 ? Int.max : burst * 1000
        self.delay = delay >= Int.max / 1000 ? Int.max : delay * 1000
    }
}

/// What limit_req decides for a request (nginx's `$limit_req_status`, with what the log line needs).
public enum RequestLimitVerdict: Sendable, Equatable {
    /// Every key was empty: the module had no say, and `$limit_req_status` stays unset.
    case untouched
    case passed
    /// Served after `millis`; `excess` and `zone` are the limit that asked for the longest wait.
    case delayed(millis: Int, excess: Int, zone: String)
    /// Over `zone`'s burst.
    case rejected(excess: Int, zone: String)
    /// `zone` is full of entries that may not go: refused like an excess, logged as nginx's alert.
    case noMemory(zone: String)
}

/// nginx's limit_req handler over a location's limits: each key is looked up in its zone in order, the first
/// over its burst refuses the request (and no zone counts it), otherwise every zone counts it and the longest
/// wait any of them asks for is the delay.
public enum RequestLimiter {
    /// `key(i)` is limit `i`'s key for this request, nil when empty (that limit is skipped). `now` is a
    /// monotonic time in milliseconds.
    public static func check(_ rules: [RequestLimitRule], now: Int64, key: (Int) -> [UInt8]?) -> RequestLimitVerdict {
        var held: [(rule: Int, slot: Int)] = []   // allocates only when a request has several limits
        var found = false
        var excess = 0
        var deciding = rules.count - 1
        for i in rules.indices {
            guard let k = key(i) else { continue }
            let rule = rules[i]
            let last = i == rules.count - 1
            let outcome = rule.zone.table.withLock { $0.lookup(k, rate: rule.rate, burst: rule.burst, account: last, now: now) }
            switch outcome {
            case .busy(let e):
                release(held, rules)
                return .rejected(excess: e, zone: rule.zone.name)
            case .noMemory:
                release(held, rules)
                return .noMemory(zone: rule.zone.name)
            case .accounted(let e):
                found = true
                excess = e
                deciding = i
            case .pending(let slot, _):
                found = true
                held.append((i, slot))
            }
        }
        if !found { return .untouched }
        // Only the accounted (last) limit's excess counts here; held ones are counted below.
        var maxDelay = excess <= rules[deciding].delay ? 0 : wait(excess - rules[deciding].delay, rate: rules[deciding].rate)
        for (i, slot) in held.reversed() {
            let rule = rules[i]
            let e = rule.zone.table.withLock { $0.account(slot, rate: rule.rate, now: now) }
            if e <= rule.delay { continue }
            let millis = wait(e - rule.delay, rate: rule.rate)
            if millis > maxDelay {
                maxDelay = millis
                excess = e
                deciding = i
            }
        }
        return maxDelay == 0 ? .passed : .delayed(millis: maxDelay, excess: excess, zone: rules[deciding].zone.name)
    }

    /// Milliseconds until `over` thousandths of a request have drained at `rate`, without overflow.
    static func wait(_ over: Int, rate: Int) -> Int {
        let (product, overflow) = over.multipliedReportingOverflow(by: 1000)
        if !overflow { return product / rate }
        let (coarse, overflowAgain) = (over / rate).multipliedReportingOverflow(by: 1000)
        return overflowAgain ? Int.max : coarse
    }

    private static func release(_ held: [(rule: Int, slot: Int)], _ rules: [RequestLimitRule]) {
        for (i, slot) in held.reversed() { rules[i].zone.table.withLock { $0.unlock(slot) } }
    }
}
