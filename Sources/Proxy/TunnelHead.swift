import HTTP1

/// When a response switches the connection to a tunnel, and the head the client gets then.
enum TunnelHead {
    /// nginx's rule: a `101` from the upstream upgrades the connection when the client's request carried an
    /// `Upgrade` header (whether or not the configuration forwarded it); its upstream transaction then takes
    /// the Upgrade exit. Any other answer is an ordinary response.
    static func requested(_ request: RequestHead) -> Bool { request.hasUpgrade }

    /// Headers of a 101 never passed on: hop-by-hop ones, except `Upgrade`, which names the new protocol.
    static let dropped = NameSet(["connection", "keep-alive", "transfer-encoding", "te", "trailer",
                                  "proxy-connection", "content-length"])

    /// nginx's header filter for a 101: its own status line, `Server` and `Date`, the upstream's headers
    /// (`proxy_hide_header` applies), `Connection: upgrade`, then `add_header … always`.
    static func build(for r: Request, upstream resp: ResponseHead, proxy: ProxyRuntime,
                      connection c: ClientConnection) -> [UInt8] {
        var w = HeadWriter(capacity: resp.bytes.count + 128)
        w.appendStatusLine(resp.status)
        if !proxy.passServer { ResponseHeadBuilder.appendServer(r, c, &w) }
        if !proxy.passDate { ResponseHeadBuilder.appendDate(c, &w) }
        let b = resp.bytes
        for h in resp.headers {
            if dropped.contains(b, h.name) || proxy.hiddenHeaders.contains(b, h.name) { continue }
            w.appendField(of: b, name: h.name, value: h.value)
        }
        w.append("Connection: upgrade\r\n")
        if let loc = r.location { ResponseHeadBuilder.appendAddHeaders(r, loc, alwaysOnly: true, into: &w) }
        w.appendEnd()
        return w.finish()
    }
}
