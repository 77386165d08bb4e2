/// `split_clients "$key" $variable { 0.5% a; 2% b; * c; }` (ngx_http_split_clients_module).
public struct SplitClientsConfig: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        /// The part takes hashes below this bound (the percentages summed and scaled to 2^32, nginx's way);
        /// nil for `*`, the rest.
        public let below: UInt32?
        public let value: [UInt8]
    }

    public let source: Template
    public let variable: String
    public let parts: [Part]
    public let location: SourceLocation
}

/// `geo [$address] $variable { … }` (ngx_http_geo_module): a value per network (longest prefix wins) or,
/// after `ranges;`, per IPv4 address range (a later range overwrites what it overlaps).
public struct GeoConfig: Sendable, Equatable {
    /// The address to look up; nil: the client's address (after realip).
    public let source: Template?
    public let variable: String
    public let defaultValue: [UInt8]
    public let networks: [CIDR: [UInt8]]
    /// Sorted, non-overlapping; only with `ranges`.
    public let ranges: [GeoRange]?
    /// `proxy`: clients whose address is here are replaced by the address in `X-Forwarded-For`.
    public let proxies: [CIDR]
    public let proxyRecursive: Bool
    public let location: SourceLocation
}

/// An inclusive IPv4 range of a `geo … { ranges; }` block.
public struct GeoRange: Sendable, Equatable {
    public let first: UInt32
    public let last: UInt32
    public let value: [UInt8]

    public init(first: UInt32, last: UInt32, value: [UInt8]) {
        self.first = first; self.last = last; self.value = value
    }

    /// Writes `value` over [first, last] of sorted, non-overlapping `ranges` (nil value: deletes it).
    /// Only the ranges it overlaps are replaced, found by a binary search: rebuilding and sorting the whole list
    /// for each line made a `ranges` block of n lines take time in n² log n.
    public static func overwrite(_ ranges: inout [GeoRange], first: UInt32, last: UInt32, value: [UInt8]?) {
        // The first range ending at or after `first` (the ends are sorted as the starts are), then those that
        // start at or before `last`: exactly the ones [first, last] overlaps.
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].last < first { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < ranges.count && ranges[end].first <= last { end += 1 }
        var replacement: [GeoRange] = []
        if lo < end, ranges[lo].first < first {
            replacement.append(GeoRange(first: ranges[lo].first, last: first - 1, value: ranges[lo].value))
        }
        if let value { replacement.append(GeoRange(first: first, last: last, value: value)) }
        if lo < end, ranges[end - 1].last > last {
            replacement.append(GeoRange(first: last + 1, last: ranges[end - 1].last, value: ranges[end - 1].value))
        }
        ranges.replaceSubrange(lo..<end, with: replacement)
    }

    /// The range holding `address` in sorted, non-overlapping `ranges`.
    public static func find(_ ranges: [GeoRange], _ address: UInt32) -> GeoRange? {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].last < address { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].first <= address ? ranges[lo] : nil
    }
}
