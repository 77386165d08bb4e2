/// A configuration value with variables (`$host$uri`, `http://$1/x`), compiled once at load: literal bytes and
/// variable ids, so evaluating it per request is a walk and an append, never a name lookup.
struct CompiledTemplate: Sendable {
    enum Part: Sendable {
        case literal([UInt8])
        case variable(VariableID)
        case capture(Int)          // $1..$9 of the last regex match (location, rewrite)
    }
    let parts: [Part]
    /// Reads `$sent_http_*` or `$sent_trailer_*`, itself or through a `map` (`mapsReadSentFields`): then the head
    /// (or trailer) built so far is handed to it, as nginx's header filter sees the fields already added. Decided
    /// at load, so other templates pay nothing.
    let readsSentFields: Bool

    init(parts: [Part], mapsReadSentFields: Bool = false) {
        self.parts = parts
        readsSentFields = mapsReadSentFields || parts.contains { p in
            switch p {
            case .variable(.sentHTTPHeader), .variable(.sentTrailer): return true
            default: return false
            }
        }
    }
    init(literal: [UInt8]) { parts = [.literal(literal)]; readsSentFields = false }

    /// The bytes when the template has no variables (decided at load time).
    var constant: [UInt8]? {
        if parts.isEmpty { return [] }
        if parts.count == 1, case .literal(let b) = parts[0] { return b }
        return nil
    }

    var isEmpty: Bool { parts.isEmpty || constant == [] }
}
