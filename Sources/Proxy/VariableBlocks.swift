import Balancing
import Config

/// A block that defines a variable from other values, evaluated when a template reads it: `map`
/// (MapRuntime.swift), `split_clients` and `geo`. `Runtime.maps` holds them in one index space.
protocol VariableBlock: AnyObject, Sendable {
    /// `volatile` (map only): evaluated at each use instead of once per request.
    var volatile: Bool { get }
    func evaluate(for r: Request, into out: inout [UInt8])
}

extension VariableBlock {
    var volatile: Bool { false }

    /// The value for `r`: cached in the request's slot `index` unless volatile.
    func value(for r: Request, index: Int, into out: inout [UInt8]) {
        if volatile { return evaluate(for: r, into: &out) }
        if index < r.mapValues.count, let v = r.mapValues[index] { out.append(contentsOf: v); return }
        var v: [UInt8] = []
        evaluate(for: r, into: &v)
        if r.mapValues.count <= index { r.mapValues += Array(repeating: nil, count: index + 1 - r.mapValues.count) }
        r.mapValues[index] = v
        out.append(contentsOf: v)
    }
}

extension MapRuntime: VariableBlock {}

/// `split_clients`: the key's MurmurHash2 picks the part whose cumulative bound it falls under.
final class SplitClientsRuntime: VariableBlock, @unchecked Sendable {
    let source: CompiledTemplate
    let parts: [SplitClientsConfig.Part]

    init(source: CompiledTemplate, parts: [SplitClientsConfig.Part]) {
        self.source = source; self.parts = parts
    }

    func evaluate(for r: Request, into out: inout [UInt8]) {
        let hash = MurmurHash2.hash(r.evaluate(source))
        for part in parts where part.below.map({ hash < $0 }) ?? true {
            out.append(contentsOf: part.value)
            return
        }
    }
}

/// `geo`: the value of the longest network holding the address (or of its range), else the default.
final class GeoRuntime: VariableBlock, @unchecked Sendable {
    let source: CompiledTemplate?
    let defaultValue: [UInt8]
    /// Networks by prefix length, longest first: a lookup masks the address once per length present.
    let networks: [(length: Int, v6: Bool, values: [[UInt8]: [UInt8]])]
    let ranges: [GeoRange]?
    let proxies: RealIPRuntime?

    init(_ g: GeoConfig, source: CompiledTemplate?) {
        self.source = source
        defaultValue = g.defaultValue
        ranges = g.ranges
        var byLength: [Int: [[UInt8]: [UInt8]]] = [:]
        var lengths: [(Int, Bool)] = []
        for (block, value) in g.networks {
            let key = block.prefixLength * 2 + (block.isIPv6 ? 1 : 0)
            if byLength[key] == nil { lengths.append((block.prefixLength, block.isIPv6)) }
            byLength[key, default: [:]][block.address] = value
        }
        networks = lengths.sorted { $0.0 > $1.0 }.map { ($0.0, $0.1, byLength[$0.0 * 2 + ($0.1 ? 1 : 0)]!) }
        proxies = g.proxies.isEmpty ? nil
            : RealIPRuntime(trusted: g.proxies.map { .block($0) }, header: .xForwardedFor, recursive: g.proxyRecursive)
    }

    func evaluate(for r: Request, into out: inout [UInt8]) {
        out.append(contentsOf: lookup(address(r)))
    }

    /// The address looked up: the source's value parsed (nginx uses 255.255.255.255 for one that is not an
    /// address), else the client's; from `X-Forwarded-For` when that address is a listed proxy.
    func address(_ r: Request) -> [UInt8] {
        var a: [UInt8]
        if let source {
            a = IPAddressText.parse(Substring(decoding: r.evaluate(source), as: UTF8.self)) ?? [255, 255, 255, 255]
        } else {
            a = r.clientAddressBytes
            if a.isEmpty { a = [255, 255, 255, 255] }   // a UNIX-domain client, as nginx's geo reads it
        }
        if let proxies, proxies.isTrusted(a), let found = proxies.resolve(r.requestHeaders(proxies.headerName)) {
            a = found.address.bytes
        }
        return a
    }

    func lookup(_ address: [UInt8]) -> [UInt8] {
        // An IPv4-mapped IPv6 address is looked up as IPv4, as nginx does.
        let a = address.count == 16 && address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xff && address[11] == 0xff
            ? Array(address[12...]) : address
        if let ranges {
            guard a.count == 4 else { return defaultValue }
            let n = UInt32(a[0]) << 24 | UInt32(a[1]) << 16 | UInt32(a[2]) << 8 | UInt32(a[3])
            return GeoRange.find(ranges, n)?.value ?? defaultValue
        }
        let v6 = a.count == 16
        for level in networks where level.v6 == v6 {
            if let v = level.values[CIDR(address: a, prefixLength: level.length).address] { return v }
        }
        return defaultValue
    }
}
