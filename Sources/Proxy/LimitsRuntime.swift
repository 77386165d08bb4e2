import Config
import Limits

/// A location's `limit_req` and `limit_conn` over the configuration's zones; nil on a location with neither,
/// so a plain request pays one nil test.
final class LimitsRuntime: @unchecked Sendable {   // immutable after load, like the runtime that holds it
    let requests: [RequestLimitRule]
    /// Each request limit's zone key, compiled, and as written (for the over-long key's log line).
    let requestKeys: [CompiledTemplate]
    let requestKeyTexts: [String]
    let requestLogLevel: LogLevel
    /// Delays are logged one level below refusals (`info` stays `info`), as nginx does.
    let requestDelayLogLevel: LogLevel
    let requestStatus: Int
    let requestDryRun: Bool
    let connections: [ConnectionLimitRuntime]
    let connectionLogLevel: LogLevel
    let connectionStatus: Int
    let connectionDryRun: Bool

    init(_ s: LimitSettings, requests: [(RequestLimitRule, CompiledTemplate, String)], connections: [ConnectionLimitRuntime]) {
        self.requests = requests.map(\.0)
        requestKeys = requests.map(\.1)
        requestKeyTexts = requests.map(\.2)
        requestLogLevel = s.requestLogLevel
        requestDelayLogLevel = LimitsRuntime.lower(s.requestLogLevel)
        requestStatus = s.requestStatus
        requestDryRun = s.requestDryRun
        self.connections = connections
        connectionLogLevel = s.connectionLogLevel
        connectionStatus = s.connectionStatus
        connectionDryRun = s.connectionDryRun
    }

    static func lower(_ level: LogLevel) -> LogLevel {
        switch level {
        case .error: return .warn
        case .warn: return .notice
        default: return .info
        }
    }
}

/// One `limit_conn zone number`.
struct ConnectionLimitRuntime {
    let zone: ConnectionLimitZone
    let count: Int
    let key: CompiledTemplate
    let keyText: String
}

/// The zones of one configuration, by name. A zone whose name and size a reload keeps is the same object,
/// entries and all (nginx reuses the shared memory zone); its rate may change.
struct LimitZoneSet: Sendable {
    var requests: [String: RequestLimitZone] = [:]
    var connections: [String: ConnectionLimitZone] = [:]
    /// `rate=` of each request zone in this configuration.
    var rates: [String: Int] = [:]

    init() {}

    init(_ zones: [LimitZoneConfig], previous: LimitZoneSet?) throws(ConfigError) {
        for z in zones {
            switch z.kind {
            case .requests(let rate):
                let old = previous?.requests[z.name]
                if let old, old.size == z.size, old.keyText != z.keyText { throw LimitZoneSet.keyChanged(z, was: old.keyText) }
                requests[z.name] = old.flatMap { $0.size == z.size ? $0 : nil }
                    ?? RequestLimitZone(name: z.name, size: z.size, keyText: z.keyText)
                rates[z.name] = rate
            case .connections:
                let old = previous?.connections[z.name]
                if let old, old.size == z.size, old.keyText != z.keyText { throw LimitZoneSet.keyChanged(z, was: old.keyText) }
                connections[z.name] = old.flatMap { $0.size == z.size ? $0 : nil }
                    ?? ConnectionLimitZone(name: z.name, size: z.size, keyText: z.keyText)
            }
        }
    }

    /// nginx refuses a reload that keeps a zone but changes its key: the entries would mean something else.
    private static func keyChanged(_ z: LimitZoneConfig, was old: String) -> ConfigError {
        let module = z.directiveName == "limit_req_zone" ? "limit_req" : "limit_conn"
        return ConfigError("\(module) \"\(z.name)\" uses the \"\(z.keyText)\" key while previously it used the \"\(old)\" key",
                           at: z.location)
    }
}
