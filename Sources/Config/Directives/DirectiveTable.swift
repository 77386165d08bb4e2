/// Every directive switchyard understands, one row each; the modules' rows live in their own files.
enum DirectiveTable {
    static var all: [DirectiveSpec] {
        core + events + blocks + http + proxy + gzip + rewrite + upstream + accepted
    }
}

/// nginx directives that mean nothing to switchyard are rows of `DirectiveTable.accepted` (AcceptedDirectives.swift),
/// so their contexts and arguments are checked like every other row's; nothing is accepted by name alone.
enum IgnoredDirectives {
    static let names: Set<String> = []
}
