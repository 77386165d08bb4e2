/// Every directive switchyard understands, one row each; the modules' rows live in their own files.
enum DirectiveTable {
    static var all: [DirectiveSpec] {
        core + events + blocks + http + proxy + fastcgi + uwsgi + scgi + memcached + gzip + rewrite + upstream + access + limits + files + accepted + conditional + ssl + healthChecks + ssi + subFilter + addition
            + linkChecks + browser + userid + dav
    }

    /// The rows by name, built once per process rather than on every load (building it was a sixth of a
    /// `-t` and of each reload). `nonisolated(unsafe)` because the handlers are closures not declared
    /// `@Sendable`; they capture only key paths and constants and are never mutated, and a static `let` is
    /// initialized exactly once (swift_once) before any thread reads it.
    nonisolated(unsafe) static let byName: [String: [DirectiveSpec]] = Dictionary(grouping: all, by: \.name)
}

/// nginx directives that mean nothing to switchyard are rows of `DirectiveTable.accepted` (AcceptedDirectives.swift),
/// so their contexts and arguments are checked like every other row's; nothing is accepted by name alone.
enum IgnoredDirectives {
    static let names: Set<String> = []
}
