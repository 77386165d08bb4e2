import Config
import Limits

extension Builder {
    /// The location's limit_req and limit_conn over this configuration's zones (Config checked that each
    /// named zone exists); nil when it has neither.
    mutating func limits(_ s: LimitSettings, at loc: SourceLocation) throws(ConfigError) -> LimitsRuntime? {
        if s.requests.isEmpty && s.connections.isEmpty { return nil }
        var requests: [(RequestLimitRule, CompiledTemplate, String)] = []
        for l in s.requests {
            guard let zone = limitZones.requests[l.zone], let rate = limitZones.rates[l.zone] else {
                throw ConfigError("zero size shared memory zone \"\(l.zone)\"", at: l.location)
            }
            let key = try limitKey(l.zone)
            requests.append((RequestLimitRule(zone: zone, rate: rate, burst: l.burst, delay: l.delay), key.0, key.1))
        }
        var connections: [ConnectionLimitRuntime] = []
        for l in s.connections {
            guard let zone = limitZones.connections[l.zone] else {
                throw ConfigError("zero size shared memory zone \"\(l.zone)\"", at: l.location)
            }
            let key = try limitKey(l.zone)
            connections.append(ConnectionLimitRuntime(zone: zone, count: l.count, key: key.0, keyText: key.1))
        }
        return LimitsRuntime(s, requests: requests, connections: connections)
    }

    /// A zone's key, compiled once per configuration.
    private mutating func limitKey(_ zone: String) throws(ConfigError) -> (CompiledTemplate, String) {
        if let k = limitKeys[zone] { return k }
        guard let z = config.http?.limitZones.first(where: { $0.name == zone }) else {
            throw ConfigError("zero size shared memory zone \"\(zone)\"", at: nil)
        }
        let k = (try compile(z.key, at: z.location), z.keyText)
        limitKeys[zone] = k
        return k
    }
}
