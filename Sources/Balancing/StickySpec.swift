/// The `sticky` directive (nginx 1.29.6+ syntax) as Config parsed it: `sticky cookie NAME …`,
/// `sticky route $var …` or `sticky learn create=$var lookup=$var zone=NAME:SIZE [timeout=] [header] [sync]`.
/// The engine evaluates the variables; balancing needs only the method and, for `learn`, the zone.
///
///     StickySpec(method: .learn(.init(zoneName: "client_sessions", zoneBytes: 1 << 20, timeout: .seconds(600))))
public struct StickySpec: Sendable, Equatable {
    /// `sticky learn`'s zone and its behaviour.
    public struct Learn: Sendable, Equatable {
        public var zoneName: String
        public var zoneBytes: Int
        public var timeout: Duration
        /// Learn from the response header as soon as it arrives.
        public var header: Bool

        public init(zoneName: String, zoneBytes: Int, timeout: Duration, header: Bool = false) {
            self.zoneName = zoneName; self.zoneBytes = zoneBytes; self.timeout = timeout; self.header = header
        }

        /// A new table for this zone; the engine reuses the one it already has for `zoneName` on reload.
        public func makeTable(share: RouteShare? = nil) -> StickyLearnTable {
            StickyLearnTable(
                name: zoneName, capacity: StickyLearnTable.capacity(forZoneBytes: zoneBytes), timeout: timeout,
                share: share)
        }
    }

    /// Where a request's route comes from.
    public enum Method: Sendable, Equatable {
        case cookie(StickyCookie)
        /// The first non-empty of the `sticky route` variables names a server's `route=`.
        case route
        case learn(Learn)
    }

    public var method: Method

    public init(method: Method) {
        self.method = method
    }
}
