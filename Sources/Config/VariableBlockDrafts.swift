/// The body of a block whose lines are entries, not directives (`map`, `split_clients`, `geo`): the builder
/// hands each line to the draft on top of its frame stack.
protocol EntryLines: AnyObject {
    func add(_ line: Directive, builder: ConfigBuilder) throws
}

extension MapDraft: EntryLines {}

/// `split_clients` lines: `N.NN% value;` and `* value;`.
final class SplitClientsDraft: EntryLines {
    let source: Template
    let variable: String
    let location: SourceLocation
    private var parts: [(percent: Int?, value: [UInt8])] = []

    init(source: Template, variable: String, location: SourceLocation) {
        self.source = source; self.variable = variable; self.location = location
    }

    func add(_ line: Directive, builder: ConfigBuilder) throws {
        if line.block != nil { throw ConfigError("unexpected \"{\"", at: line.location) }
        guard line.arguments.count == 1 else {
            throw ConfigError("invalid number of arguments in split_clients", at: line.location)
        }
        let value = line.arguments[0].bytes
        if line.name == "*" { parts.append((nil, value)); return }
        guard let hundredths = SplitClientsDraft.percent(line.name) else {
            throw ConfigError("invalid percent value \"\(line.name)\"", at: line.location)
        }
        parts.append((hundredths, value))
    }

    /// `12.34%` in hundredths of a percent (nginx's ngx_atofp with two decimals); nil if malformed.
    static func percent(_ text: String) -> Int? {
        guard text.hasSuffix("%") else { return nil }
        let number = text.dropLast()
        let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let whole = pieces.first, !whole.isEmpty,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), whole.count <= 5, let w = Int(whole)
        else { return nil }
        var fraction = 0
        if pieces.count == 2 {
            let f = pieces[1]
            guard !f.isEmpty, f.count <= 2, f.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(f) else { return nil }
            fraction = f.count == 1 ? v * 10 : v
        }
        return w * 100 + fraction
    }

    func freeze() throws -> SplitClientsConfig {
        var sum = 0
        var bound: UInt64 = 0
        var out: [SplitClientsConfig.Part] = []
        for part in parts {
            sum = part.percent.map { sum + $0 } ?? 10000
            if sum > 10000 { throw ConfigError("percent total is greater than 100%", at: location) }
            guard let p = part.percent else { out.append(.init(below: nil, value: part.value)); continue }
            bound += UInt64(p) * 0xffff_ffff / 10000
            out.append(.init(below: UInt32(truncatingIfNeeded: min(bound, 0xffff_ffff)), value: part.value))
        }
        return SplitClientsConfig(source: source, variable: variable, parts: out, location: location)
    }
}

/// `geo` lines: `default v;`, `CIDR v;` (or `a.b.c.d-e.f.g.h v;` after `ranges;`), `delete …;`,
/// `proxy CIDR;`, `proxy_recursive;`. `include` was expanded by the reader.
final class GeoDraft: EntryLines {
    let source: Template?
    let variable: String
    let location: SourceLocation
    private var defaultValue: [UInt8]? = nil
    private var networks: [CIDR: [UInt8]] = [:]
    private var ranges: [GeoRange]? = nil
    private var proxies: [CIDR] = []
    private var proxyRecursive = false

    init(source: Template?, variable: String, location: SourceLocation) {
        self.source = source; self.variable = variable; self.location = location
    }

    func add(_ line: Directive, builder: ConfigBuilder) throws {
        if line.block != nil { throw ConfigError("unexpected \"{\"", at: line.location) }
        let args = line.arguments
        switch (line.name, args.count) {
        case ("ranges", 0):
            guard networks.isEmpty else { throw ConfigError("\"ranges\" must be the first parameter", at: line.location) }
            ranges = []
            return
        case ("proxy_recursive", 0):
            proxyRecursive = true
            return
        case ("proxy", 1):
            proxies.append(try DirectiveTable.addressBlock(builder, line, args[0].text, what: "network"))
            return
        case ("default", 1):
            defaultValue = args[0].bytes
            return
        case ("delete", 1):
            try apply(args[0].text, value: nil, line: line, builder: builder)
            return
        case (_, 1):
            try apply(line.name, value: args[0].bytes, line: line, builder: builder)
            return
        default:
            throw ConfigError("invalid number of the geo parameters", at: line.location)
        }
    }

    private func apply(_ key: String, value: [UInt8]?, line: Directive, builder: ConfigBuilder) throws {
        if ranges != nil {
            let ends = key.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let a = IPAddressText.parseV4(ends[0]), let b = IPAddressText.parseV4(ends[1])
            else { throw ConfigError("invalid range \"\(key)\"", at: line.location) }
            let first = GeoDraft.number(a), last = GeoDraft.number(b)
            guard first <= last else { throw ConfigError("invalid range \"\(key)\"", at: line.location) }
            GeoRange.overwrite(&ranges!, first: first, last: last, value: value)
            return
        }
        let block = try DirectiveTable.addressBlock(builder, line, key, what: "network")
        if let value {
            if let old = networks[block] {
                builder.warn("duplicate network \"\(key)\", value: \"\(String(decoding: value, as: UTF8.self))\", "
                    + "old value: \"\(String(decoding: old, as: UTF8.self))\"", at: line.location)
            }
            networks[block] = value
        } else if networks.removeValue(forKey: block) == nil {
            builder.warn("no network \"\(key)\" to delete", at: line.location)
        }
    }

    static func number(_ b: [UInt8]) -> UInt32 {
        UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    func freeze() -> GeoConfig {
        GeoConfig(source: source, variable: variable, defaultValue: defaultValue ?? [], networks: networks,
                  ranges: ranges, proxies: proxies, proxyRecursive: proxyRecursive, location: location)
    }
}
