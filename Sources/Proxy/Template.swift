/// A configuration value with variables (`$host$uri`, `http://$1/x`), compiled once at load: literal bytes and
/// variable ids, so evaluating it per request is a walk and an append, never a name lookup.
struct CompiledTemplate: Sendable {
    enum Part: Sendable {
        case literal([UInt8])
        case variable(VariableID)
        case capture(Int)          // $1..$9 of the last regex match (location, rewrite)
    }
    let parts: [Part]

    init(parts: [Part]) { self.parts = parts }
    init(literal: [UInt8]) { parts = [.literal(literal)] }

    /// The bytes when the template has no variables (decided at load time).
    var constant: [UInt8]? {
        if parts.isEmpty { return [] }
        if parts.count == 1, case .literal(let b) = parts[0] { return b }
        return nil
    }

    var isEmpty: Bool { parts.isEmpty || constant == [] }
}
