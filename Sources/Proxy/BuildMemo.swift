import Config

/// RuntimeBuilder's memory of what it already built, for what thousands of locations share: a template compiles
/// to the same parts wherever it appears (once the variables have their slots), and locations that inherit the
/// same `types` or `proxy_hide_header` lists get one table between them. A config of 5,000 servers builds each
/// of these a handful of times instead of 15,000.
final class BuildMemo {
    var templates: [Template: CompiledTemplate] = [:]
    private var mime: (types: MimeTypes, table: MimeTable)?
    private var hidden: [HiddenKey: NameSet] = [:]

    typealias RequestHeader = (name: [UInt8], lowercased: [UInt8], value: CompiledTemplate)
    /// By the names and values configured (where they were written matters only to an error, and a compiled
    /// list had none).
    private var requestHeaders: [[HeaderKey]: (headers: [RequestHeader], names: NameSet)] = [:]
    private struct HeaderKey: Hashable {
        let name: String
        let value: Template
    }
    /// The access_log sinks of the previous location, and the list they were built from.
    var accessLogs: (logs: [AccessLog], cache: OpenLogFileCache?, sinks: [AccessLogSink])?
    /// Texts parsed as templates (root paths, index names).
    var parsed: [String: Template] = [:]
    /// The configuration's variable names for SSI's lookups, made at the first `ssi on` location.
    var ssiNames: SSIVariableNames?
    /// The http block's `charset_map` tables and charset names (ResponseCharset.swift).
    var charsetMaps: CharsetMaps?
    /// The files ssl directives name, read once per load: a password file that is a FIFO gives its text once.
    var tlsFiles: [String: [UInt8]] = [:]

    private struct HiddenKey: Hashable {
        let hide: [String]
        let pass: [String]
    }

    /// What proxy_set_header sends (ProxySettings.requestHeaders: the configured fields, then nginx's defaults),
    /// compiled once per distinct list, with the set of their names (ProxyRuntime.setHeaderNames).
    func knownRequestHeaders(_ configured: [HeaderTemplate]) -> (headers: [RequestHeader], names: NameSet)? {
        requestHeaders[configured.map { HeaderKey(name: $0.name, value: $0.value) }]
    }

    func requestHeaders(_ configured: [HeaderTemplate], _ make: (HeaderTemplate) throws(ConfigError) -> RequestHeader)
        throws(ConfigError) -> (headers: [RequestHeader], names: NameSet) {
        let key = configured.map { HeaderKey(name: $0.name, value: $0.value) }
        if let known = requestHeaders[key] { return known }
        var made: [RequestHeader] = []
        var proxy = ProxySettings()
        proxy.setHeaders = configured
        for h in proxy.requestHeaders { made.append(try make(h)) }
        let entry = (headers: made, names: NameSet(bytes: made.map(\.lowercased)))
        requestHeaders[key] = entry
        return entry
    }

    func mimeTable(_ types: MimeTypes) -> MimeTable {
        if let mime, mime.types == types { return mime.table }
        let table = MimeTable(Dictionary(types.byExtension.map { (Array($0.key.utf8), Array($0.value.utf8)) },
                                         uniquingKeysWith: { a, _ in a }))
        mime = (types, table)
        return table
    }

    /// The upstream fields not relayed to the client: nginx's defaults, plus `proxy_hide_header`, minus
    /// `proxy_pass_header`.
    func hiddenHeaders(hide: [String], pass: [String]) -> NameSet {
        let key = HiddenKey(hide: hide, pass: pass)
        if let known = hidden[key] { return known }
        var names: Set<[UInt8]> = Set(["date", "server", "x-pad", "x-accel-expires", "x-accel-redirect",
                                       "x-accel-limit-rate", "x-accel-buffering", "x-accel-charset"].map { Array($0.utf8) })
        for h in hide { names.insert(Array(h.lowercased().utf8)) }
        for h in pass { names.remove(Array(h.lowercased().utf8)) }
        let set = NameSet(bytes: Array(names))
        hidden[key] = set
        return set
    }
}
