import HTTP1

/// A location's client-side directives of issue 15 (`limit_rate`, `limit_rate_after`, `keepalive_disable`,
/// `chunked_transfer_encoding`, `add_trailer`). A shared immutable object: reading one field on the hot path
/// copies nothing.
final class ClientShaping: @unchecked Sendable {
    /// `limit_rate`: nil when the location sets none (the common case).
    let limitRate: CompiledTemplate?
    let limitRateAfter: CompiledTemplate?
    let keepaliveDisableMSIE6: Bool
    let keepaliveDisableSafari: Bool
    let chunkedTransferEncoding: Bool
    let addTrailers: [HeaderAddition]
    /// `add_trailer` is empty (the common case): one load instead of an array's count.
    let hasTrailers: Bool

    init(limitRate: CompiledTemplate? = nil, limitRateAfter: CompiledTemplate? = nil, keepaliveDisableMSIE6: Bool = true,
         keepaliveDisableSafari: Bool = false, chunkedTransferEncoding: Bool = true, addTrailers: [HeaderAddition] = []) {
        self.limitRate = limitRate; self.limitRateAfter = limitRateAfter
        self.keepaliveDisableMSIE6 = keepaliveDisableMSIE6; self.keepaliveDisableSafari = keepaliveDisableSafari
        self.chunkedTransferEncoding = chunkedTransferEncoding; self.addTrailers = addTrailers
        hasTrailers = !addTrailers.isEmpty
    }

    /// The send rate of `r` in bytes per second (0: unlimited), as nginx reads it at the first write: a
    /// constant, or the template's value parsed as a size (an invalid value means no limit).
    func rate(for r: Request) -> (rate: Int, after: Int64) {
        guard let t = limitRate else { return (0, 0) }
        let rate = Self.size(t.constant ?? r.evaluate(t)) ?? 0
        return (rate, rate > 0 ? after(for: r) : 0)
    }

    /// `limit_rate_after` alone, for a rate set another way (`set $limit_rate`, `X-Accel-Limit-Rate`): nginx
    /// reads it from the location either way.
    func after(for r: Request) -> Int64 {
        guard let a = limitRateAfter else { return 0 }
        return Int64(Self.size(a.constant ?? r.evaluate(a)) ?? 0)
    }

    /// nginx's `ngx_parse_size`: digits with an optional k/K/m/M/g/G suffix.
    static func size(_ text: [UInt8]) -> Int? {
        guard !text.isEmpty else { return nil }
        var digits = text[...]
        var scale = 1
        switch text.last! {
        case UInt8(ascii: "k"), UInt8(ascii: "K"): scale = 1 << 10; digits = digits.dropLast()
        case UInt8(ascii: "m"), UInt8(ascii: "M"): scale = 1 << 20; digits = digits.dropLast()
        case UInt8(ascii: "g"), UInt8(ascii: "G"): scale = 1 << 30; digits = digits.dropLast()
        default: break
        }
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        var n = 0
        for c in digits {
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(c - UInt8(ascii: "0"))
        }
        return n * scale
    }

    /// `keepalive_disable`, on nginx's browser flags (UserAgentFlags): MSIE 4–6 lose keep-alive after a POST,
    /// Safari on Mac OS X always. `isPost` comes from the connection (read once per request): the default `msie6`
    /// then costs one test, and the flags are read only for a POST or where safari is named.
    @inline(__always)
    func disablesKeepAlive(_ r: Request, isPost: Bool) -> Bool {
        if !keepaliveDisableSafari && (!keepaliveDisableMSIE6 || !isPost) { return false }
        let agent = r.userAgentFlags
        return (keepaliveDisableMSIE6 && isPost && agent.contains(.msie6))
            || (keepaliveDisableSafari && agent.contains(.safari))
    }
}
