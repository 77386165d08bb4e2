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
        var out: [UInt8] = []
        out.reserveCapacity(resp.bytes.count + 128)
        StatusLine.append(resp.status, to: &out)
        if !proxy.passServer { ResponseHeadBuilder.appendServer(c, &out) }
        if !proxy.passDate { ResponseHeadBuilder.appendDate(c, &out) }
        let b = resp.bytes
        for h in resp.headers {
            if dropped.contains(b, h.name) || proxy.hiddenHeaders.contains(b, h.name) { continue }
            out.append(contentsOf: b[h.name.start..<h.name.end])
            out.appendColonSpace()
            out.append(contentsOf: b[h.value.start..<h.value.end])
            out.appendCRLF()
        }
        out.append(static: "Connection: upgrade\r\n")
        if let loc = r.location { ResponseHeadBuilder.appendAddHeaders(r, loc, alwaysOnly: true, into: &out) }
        out.appendCRLF()
        return out
    }
}
