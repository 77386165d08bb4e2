/// `$gzip_ratio`: uncompressed size over compressed size, printed with two decimals as nginx prints
/// it (`ngx_http_gzip_ratio_variable`: integer part, two truncated decimals, then rounded half up on the
/// third decimal).
///
///     GzipRatio(bytesIn: 2125, bytesOut: 1000)?.text  // "2.13"
public struct GzipRatio: Sendable, Equatable, CustomStringConvertible {
    public let bytesIn: Int
    public let bytesOut: Int

    /// nil when either count is zero: nginx leaves the variable unset (`-` in the log).
    public init?(bytesIn: Int, bytesOut: Int) {
        guard bytesIn > 0, bytesOut > 0 else { return nil }
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }

    public var text: String {
        var whole = bytesIn / bytesOut
        var frac = (bytesIn * 100 / bytesOut) % 100
        if (bytesIn * 1000 / bytesOut) % 10 > 4 {
            frac += 1
            if frac > 99 {
                whole += 1
                frac = 0
            }
        }
        return "\(whole)." + (frac < 10 ? "0" : "") + "\(frac)"
    }

    public var description: String { text }
}
