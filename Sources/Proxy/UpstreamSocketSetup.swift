import Config
import EventLoop

/// `proxy_bind` and `proxy_socket_keepalive`, compiled: how an upstream connection's socket is set up before it
/// connects. A constant address is parsed at load; one with variables (`$remote_addr transparent`) per request.
struct UpstreamSocketSetup {
    var keepalive = false
    var bind: CompiledTemplate? = nil
    /// The bind address when it is a constant.
    var bindAddress: SocketAddress? = nil
    var transparent = false

    var isDefault: Bool { !keepalive && bind == nil && bindAddress == nil }

    /// The options for one connection of `r`. A value that evaluates empty binds nothing; one that is not an
    /// address is logged and binds nothing, as nginx's ngx_http_upstream_set_local does.
    func options(for r: Request) -> Socket.ConnectOptions {
        var options = Socket.ConnectOptions(keepalive: keepalive, source: bindAddress, transparent: transparent)
        if let t = bind {
            let text = r.evaluate(t)
            guard !text.isEmpty else { return options }
            options.source = Self.address(String(decoding: text, as: UTF8.self))
            if options.source == nil {
                r.connection.worker.log(.error, "invalid local address \"\(String(decoding: text, as: UTF8.self))\"",
                                        r.connection)
            }
        }
        return options
    }

    /// `address[:port]`, any port when none is given; a bare IPv6 address needs no brackets.
    static func address(_ text: String) -> SocketAddress? {
        if !text.hasPrefix("["), text.filter({ $0 == ":" }).count > 1 { return SocketAddress.parse("[\(text)]", defaultPort: 0) }
        return SocketAddress.parse(text, defaultPort: 0)
    }
}
