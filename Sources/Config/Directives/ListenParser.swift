/// `listen` arguments: the address forms and parameters nginx accepts (the ones switchyard can honour).
enum ListenParser {
    /// One `Listen` per port: a port range (`8100-8103`, as Debian's nginx 1.22 takes) listens on each. And whether
    /// it gave a socket option (backlog=, rcvbuf=, sndbuf=, deferred, bind, ipv6only=, reuseport, so_keepalive=,
    /// fastopen=): nginx's `lsopt.set`, which only one `listen` of an address may have. Each of those also sets
    /// `bind`, as nginx's `lsopt.bind`: the address gets its own socket even beside a `*:port` one.
    static func parse(_ directive: Directive, builder: ConfigBuilder) throws -> (listens: [Listen], setsSocketOptions: Bool) {
        let text = directive.arguments[0].text
        let addresses = try self.addresses(text, directive, builder)
        var listen = Listen(address: addresses[0], location: directive.location)
        var setsSocketOptions = false
        for argument in directive.arguments.dropFirst() {
            let parameter = argument.text
            switch parameter {
            case "default_server", "default": listen.defaultServer = true
            case "reuseport": listen.reuseport = true; setsSocketOptions = true
            case "deferred": listen.deferred = true; setsSocketOptions = true
            case "bind": listen.bind = true; setsSocketOptions = true
            case "ssl": listen.ssl = true
            case "proxy_protocol": listen.proxyProtocol = true
            case "http2":
                listen.http2 = true
                builder.noticeHTTP2(at: directive.location)
            case _ where parameter.hasPrefix("accept_filter="):
                // FreeBSD's accept filters: nginx on Linux says so at [emerg] and loads on (a bind of its own still).
                builder.report(.emerg, "accept filters \"\(parameter)\" are not supported on this platform, ignored",
                               at: directive.location)
                setsSocketOptions = true
            default:
                // Every `name=value` parameter left is a socket option.
                setsSocketOptions = true
                if let value = Values.parameter(argument, "backlog") {
                    guard let backlog = Values.decimal(value), backlog != 0 else {
                        throw ConfigError("invalid backlog \"\(argument.text)\"", at: directive.location)   // nginx names the whole parameter
                    }
                    listen.backlog = backlog
                } else if let value = Values.parameter(argument, "rcvbuf") {
                    guard let size = Units.size(value) else {
                        throw ConfigError("invalid rcvbuf \"\(value)\"", at: directive.location)
                    }
                    listen.receiveBuffer = size
                } else if let value = Values.parameter(argument, "sndbuf") {
                    guard let size = Units.size(value) else {
                        throw ConfigError("invalid sndbuf \"\(value)\"", at: directive.location)
                    }
                    listen.sendBuffer = size
                } else if let value = Values.parameter(argument, "fastopen") {
                    guard let n = Values.decimal(value), n >= 0 else {
                        throw ConfigError("invalid fastopen \"\(argument.text)\"", at: directive.location)
                    }
                    listen.fastOpen = n
                } else if let value = Values.parameter(argument, "so_keepalive") {
                    listen.keepalive = try keepalive(value, directive)
                } else if let value = Values.parameter(argument, "ipv6only") {
                    guard value == "on" || value == "off" else {
                        throw ConfigError("invalid ipv6only flags \"\(value)\"", at: directive.location)
                    }
                    listen.ipv6only = value == "on"
                } else {
                    throw ConfigError("invalid parameter \"\(parameter)\"", at: directive.location)
                }
            }
        }
        // nginx: "If the … backlog, rcvbuf, sndbuf, accept_filter, deferred, ipv6only, reuseport, or so_keepalive
        // parameters are used then for a given address:port pair a separate bind() call will always be made."
        if setsSocketOptions { listen.bind = true }
        let listens = addresses.map { address in
            var one = listen
            one.address = address
            return one
        }
        return (listens, setsSocketOptions)
    }

    /// `so_keepalive=on|off|[keepidle][:[keepintvl][:[keepcnt]]]`, as nginx reads it: two times with units and
    /// a count, each optional (`30m`, `30m::10`, `:75s`); a zero is as good as absent, but not all three.
    static func keepalive(_ value: String, _ directive: Directive) throws -> ListenKeepalive {
        if value == "on" { return ListenKeepalive(on: true) }
        if value == "off" { return ListenKeepalive(on: false) }
        func invalid() -> ConfigError { ConfigError("invalid so_keepalive value: \"\(value)\"", at: directive.location) }
        // The idle time up to the first colon, the interval up to the second, the count is the rest.
        let parts = value.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        func seconds(_ i: Int) throws -> Int? {
            guard i < parts.count, !parts[i].isEmpty else { return nil }
            guard let n = Units.seconds(String(parts[i])) else { throw invalid() }
            return n > 0 ? n : nil
        }
        let idle = try seconds(0), interval = try seconds(1)
        var count: Int? = nil
        if parts.count > 2, !parts[2].isEmpty {
            guard let n = Values.decimal(parts[2]) else { throw invalid() }
            count = n > 0 ? n : nil
        }
        if idle == nil && interval == nil && count == nil { throw invalid() }
        return ListenKeepalive(on: true, idle: idle, interval: interval, count: count)
    }

    /// `8080`, `*:8080`, `127.0.0.1:8080`, `127.0.0.1` (port 80), `[::1]:8080`, `localhost:8080`, `unix:/path`,
    /// and a port range in place of a port (`127.0.0.1:8100-8103`, `8100-8103`): one address per port.
    static func addresses(_ text: String, _ directive: Directive, _ builder: ConfigBuilder) throws -> [ListenAddress] {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw ConfigError("no path in the unix domain socket \"\(text)\"", at: directive.location) }
            return [.unix(path: path)]
        }
        if text.isEmpty { throw ConfigError("no host in \"\" of the \"listen\" directive", at: directive.location) }
        let split = HostPort.split(text)
        guard let split else {
            throw ConfigError("invalid host in \"\(text)\" of the \"listen\" directive", at: directive.location)
        }
        // A bare number (or range) is a port on every address; a bare host listens on port 80.
        if split.port == nil, !split.bracketed, let ports = try ports(split.host, text, directive) {
            return ports.map { .inet(host: "*", port: $0) }
        }
        var ports: ClosedRange<Int> = 80...80
        if let portText = split.port {
            guard let range = try self.ports(portText, text, directive) else {
                throw ConfigError("invalid port in \"\(text)\" of the \"listen\" directive", at: directive.location)
            }
            ports = range
        }
        // `0.0.0.0` and `*` are the same socket: one spelling keeps default_server checks honest.
        let host = split.host == "0.0.0.0" ? "*" : split.host
        if host != "*" && !split.bracketed && !HostPort.isIPv4(host) && !builder.options.resolveHost(host) {
            throw ConfigError("host not found in \"\(text)\" of the \"listen\" directive", at: directive.location)
        }
        return ports.map { .inet(host: host, port: $0) }
    }

    /// `8080` or `8100-8103` as ports; nil when `part` is not made of digits (and one `-`). A port out of 1-65535
    /// is nginx's `invalid port`, a range that runs backwards its `invalid port range`.
    private static func ports(_ part: String, _ text: String, _ directive: Directive) throws -> ClosedRange<Int>? {
        let bounds = part.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }) else { return nil }
        let values = bounds.map { Int($0) ?? 0 }
        guard values.allSatisfy({ (1...65535).contains($0) }) else {
            throw ConfigError("invalid port in \"\(text)\" of the \"listen\" directive", at: directive.location)
        }
        guard values[0] <= values[values.count - 1] else {
            throw ConfigError("invalid port range in \"\(text)\" of the \"listen\" directive", at: directive.location)
        }
        return values[0]...values[values.count - 1]
    }
}

/// Splitting `host:port` without Foundation.
enum HostPort {
    /// nil when brackets do not close; `port` nil when absent.
    static func split(_ text: String) -> (host: String, port: String?, bracketed: Bool)? {
        // ASCII: the last `:` found over the bytes (a Character-wise search cost thousands of instructions).
        if !text.hasPrefix("["), Values.isASCII(text.utf8) {
            guard let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) else { return (text, nil, false) }
            return (String(text[..<colon]), String(text[text.utf8.index(after: colon)...]), false)
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, nil, true) }
            guard rest.hasPrefix(":") else { return nil }
            return (host, String(rest.dropFirst()), true)
        }
        if let colon = text.lastIndex(of: ":") {
            return (String(text[..<colon]), String(text[text.index(after: colon)...]), false)
        }
        return (text, nil, false)
    }

    /// Four dot-separated parts of one to three ASCII digits, each at most 255. Over the UTF-8 bytes: splitting
    /// into Characters cost ~12,000 instructions an address, at every `listen` and upstream `server`.
    static func isIPv4(_ text: String) -> Bool {
        var dots = 0, digits = 0, value = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                dots += 1
                digits = 0
                value = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard digits <= 3, value <= 255 else { return false }
            } else {
                return false
            }
        }
        return dots == 3 && digits > 0
    }

    static func isIPLiteral(_ text: String) -> Bool { isIPv4(text) || text.contains(":") }
}
