import Balancing
import Cache
import Config

/// A location's `proxy_cache*` (or `fastcgi_cache*`, `uwsgi_cache*`, `scgi_cache*`) settings, compiled: the zone, the key template, the pure policy's rules,
/// and the switches the engine acts on (bypass, no_cache, lock, use_stale, revalidate, convert_head).
final class CacheLocation: @unchecked Sendable {
    /// The zone; nil only for a `proxy_cache $variable` location, which is never used as it is (`selector`).
    private let zoneOrNil: CacheZone?
    var zone: CacheZone { zoneOrNil! }
    /// `proxy_cache $variable`: the zone named by the value, each with this location's settings.
    let selector: ZoneSelector?

    struct ZoneSelector {
        let name: CompiledTemplate
        let byName: [[UInt8]: CacheLocation]
    }
    let key: CompiledTemplate
    let rules: CacheRules
    let bypass: [CompiledTemplate]
    let noCache: [CompiledTemplate]
    let useStale: StaleConditions
    let lock: Bool
    let lockTimeoutMillis: Int
    let lockAgeMillis: Int64
    /// `proxy_cache_revalidate`: an expired entry with validators is asked for with If-None-Match /
    /// If-Modified-Since, and a 304 makes it fresh again.
    let revalidate: Bool
    /// `proxy_cache_background_update`: with `use_stale updating` (or an entry's stale-while-revalidate),
    /// the request that finds the entry expired gets it at once and the refresh runs in the background.
    let backgroundUpdate: Bool
    /// `proxy_cache_convert_head` (default on): a HEAD goes upstream as GET, so the entry is complete.
    let convertHead: Bool
    /// `proxy_cache_max_range_offset`; nil: no limit.
    var maxRangeOffset: Int64? = nil
    /// `proxy_buffering`: nginx stores only an answer it buffers (an upstream's `X-Accel-Buffering` may say
    /// otherwise, `storesBuffered`).
    var buffering = true
    /// `proxy_temp_path`, where responses are written first when the zone has `use_temp_path=on`.
    let tempPath: String

    /// `proxy_cache_use_stale` conditions the engine serves a stale entry for.
    struct StaleConditions: OptionSet {
        let rawValue: UInt16
        static let error = StaleConditions(rawValue: 1 << 0)
        static let timeout = StaleConditions(rawValue: 1 << 1)
        static let invalidHeader = StaleConditions(rawValue: 1 << 2)
        static let updating = StaleConditions(rawValue: 1 << 3)
        static let http500 = StaleConditions(rawValue: 1 << 4)
        static let http502 = StaleConditions(rawValue: 1 << 5)
        static let http503 = StaleConditions(rawValue: 1 << 6)
        static let http504 = StaleConditions(rawValue: 1 << 7)
        static let http403 = StaleConditions(rawValue: 1 << 8)
        static let http404 = StaleConditions(rawValue: 1 << 9)
        static let http429 = StaleConditions(rawValue: 1 << 10)
        /// Every status condition: what an entry's `stale-if-error` covers.

        static let byName: [String: StaleConditions] = [
            "error": .error, "timeout": .timeout, "invalid_header": .invalidHeader, "updating": .updating,
            "http_500": .http500, "http_502": .http502, "http_503": .http503, "http_504": .http504,
            "http_403": .http403, "http_404": .http404, "http_429": .http429,
        ]

        /// Does an upstream status let a stale entry answer instead?
        func covers(status: Int) -> Bool {
            switch status {
            case 500: contains(.http500)
            case 502: contains(.http502)
            case 503: contains(.http503)
            case 504: contains(.http504)
            case 403: contains(.http403)
            case 404: contains(.http404)
            case 429: contains(.http429)
            default: false
            }
        }

        func covers(_ failure: UpstreamFailure) -> Bool {
            switch failure {
            case .error: contains(.error)
            case .timeout: contains(.timeout)
            case .invalidHeader: contains(.invalidHeader)
            case .httpStatus(let s): covers(status: s)
            }
        }
    }

    init(zone: CacheZone?, key: CompiledTemplate, rules: CacheRules, bypass: [CompiledTemplate],
         noCache: [CompiledTemplate], useStale: StaleConditions, lock: Bool, lockTimeoutMillis: Int,
         lockAgeMillis: Int64, revalidate: Bool = false, backgroundUpdate: Bool = false, convertHead: Bool = true,
         tempPath: String = "", selector: ZoneSelector? = nil) {
        self.zoneOrNil = zone; self.selector = selector; self.key = key; self.rules = rules; self.bypass = bypass; self.noCache = noCache
        self.useStale = useStale; self.lock = lock; self.lockTimeoutMillis = lockTimeoutMillis
        self.lockAgeMillis = lockAgeMillis; self.revalidate = revalidate; self.backgroundUpdate = backgroundUpdate
        self.convertHead = convertHead
        self.tempPath = tempPath
    }

    /// Where a response for this location is written before it becomes an entry (nil: beside the entry).
    var tempDirectory: String? { zone.useTempPath && !tempPath.isEmpty ? tempPath : nil }

    /// Compiles a location's settings of `module` (`proxy_cache*`, `fastcgi_cache*`, …); nil when its `*_cache` is
    /// off. An unknown zone is a configuration error; `*_cache $variable` chooses among the module's zones only.
    static func build(_ s: UpstreamCacheSettings, module: CacheModule = .proxy, ignoreHeaders: Set<String>,
                      buffering: Bool = true, tempPath: String = "", zones: [String: CacheZone], at loc: SourceLocation,
                      compile: (Template) throws(ConfigError) -> CompiledTemplate) throws(ConfigError) -> CacheLocation? {
        guard let name = s.zone, name != "off" else { return nil }
        var s = s
        // A CGI module's cache without its `*_cache_key` (a `[warn]` at load): every response has the empty key, as
        // in nginx.
        if module != .proxy && !s.$key.isSet { s.key = Template(literal: "") }
        if name.contains("$") {   // proxy_cache $variable: chosen per request among every zone
            let template: Template
            do { template = try Template(name) } catch { throw ConfigError(error.message, at: loc) }
            let selectorName = try compile(template)
            var byName: [[UInt8]: CacheLocation] = [:]
            for (zoneName, zone) in zones where zone.module == module {
                let one = try build(s, zone: zone, ignoreHeaders: ignoreHeaders, tempPath: tempPath, compile: compile)
                one.buffering = buffering
                byName[Array(zoneName.utf8)] = one
            }
            let made = try build(s, zone: nil, ignoreHeaders: ignoreHeaders, tempPath: tempPath, compile: compile,
                                 selector: ZoneSelector(name: selectorName, byName: byName))
            made.buffering = buffering
            return made
        }
        guard let zone = zones[name], zone.module == module else {
            throw ConfigError("\"\(module.prefix)_cache\" zone \"\(name)\" is unknown", at: loc)
        }
        let made = try build(s, zone: zone, ignoreHeaders: ignoreHeaders, tempPath: tempPath, compile: compile)
        made.buffering = buffering
        return made
    }

    private static func build(_ s: UpstreamCacheSettings, zone: CacheZone?, ignoreHeaders: Set<String>, tempPath: String,
                              compile: (Template) throws(ConfigError) -> CompiledTemplate,
                              selector: ZoneSelector? = nil) throws(ConfigError) -> CacheLocation {
        var rules = CacheRules()
        rules.valid = s.valid.map { v in
            let seconds = Int64(v.time.components.seconds)
            switch v.codes {
            case .any: return .any(seconds: seconds)
            case .list(let codes): return codes.isEmpty ? CacheValidRule(seconds: seconds) : CacheValidRule(codes: codes, seconds: seconds)
            }
        }
        for m in s.methods { rules.methods.insert(Array(m.uppercased().utf8)) }
        rules.minUses = max(1, s.minUses)
        rules.ignoreHeaders = ignoredHeaders(ignoreHeaders)
        rules.targetFields = s.targetFields.map { Array($0.utf8) }
        var stale: StaleConditions = []
        for c in s.useStale { if let v = StaleConditions.byName[c] { stale.insert(v) } }
        var bypass: [CompiledTemplate] = [], noCache: [CompiledTemplate] = []
        for t in s.bypass { bypass.append(try compile(t)) }
        for t in s.noCache { noCache.append(try compile(t)) }
        let made = CacheLocation(zone: zone, key: try compile(s.key), rules: rules, bypass: bypass, noCache: noCache,
                                 useStale: stale, lock: s.lock, lockTimeoutMillis: millis(s.lockTimeout),
                                 lockAgeMillis: Int64(millis(s.lockAge)), revalidate: s.revalidate,
                                 backgroundUpdate: s.backgroundUpdate,
                                 convertHead: s.convertHead, tempPath: tempPath, selector: selector)
        made.maxRangeOffset = s.maxRangeOffset.map { Int64($0) }
        return made
    }

    /// `proxy_ignore_headers` names the cache acts on.
    static func ignoredHeaders(_ names: Set<String>) -> CacheIgnoredHeaders {
        var out: CacheIgnoredHeaders = []
        for n in names { if let h = CacheIgnoredHeaders(headerName: n) { out.formUnion(h) } }
        return out
    }
}
