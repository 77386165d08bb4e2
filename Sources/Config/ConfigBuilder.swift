/// The mutable side of loading (Hummingbird's builder → frozen runtime): directive handlers write into
/// drafts here, and `finish()` merges and freezes them into a `Configuration`.
final class ConfigBuilder {
    let options: LoadOptions
    private(set) var diagnostics: [ConfigDiagnostic] = []
    private let table: [String: [DirectiveSpec]]
    var noticedIgnored: Set<String> = []

    var main: MainConfig
    var events: EventsConfig?
    var http: HTTPDraft?
    private var frames: [Frame] = [.main]
    /// A number for each block entered, parallel to `frames` (main is 0): the scope of `once` at a level.
    private var levels: [Int] = [0]
    private var blocksEntered = 0

    enum Frame {
        /// `map`, `split_clients`, `geo`: lines that are entries, not directives.
        case main, events, types, entries(any EntryLines)
        case http(HTTPDraft)
        case server(ServerDraft)
        case location(LocationDraft)
        case upstream(UpstreamDraft)
    }

    init(options: LoadOptions) {
        self.options = options
        self.table = DirectiveTable.byName
        self.main = MainConfig(pidPath: ConfigPath.absolute(options.defaultPaths.pid, base: options.prefix))
        self.main.defaultErrorLogPath = ConfigPath.absolute(options.defaultPaths.errorLog, base: options.prefix)
    }

    // MARK: - Walking directives

    func run(_ directives: [Directive], in context: ConfigContext) throws {
        for directive in directives {
            switch context {
            case .types: try addTypes(directive)
            case .map: try addMapEntry(directive)
            default: try dispatch(directive, in: context)
            }
        }
    }

    private func dispatch(_ directive: Directive, in context: ConfigContext) throws {
        guard let specs = table[directive.name] else {
            if IgnoredDirectives.names.contains(directive.name) {
                if noticedIgnored.insert(directive.name).inserted {
                    notice("directive \"\(directive.name)\" has no effect in switchyard, ignored", at: directive.location)
                }
                return
            }
            if let refusal = CGIRefusals.message(for: directive.name) {
                // The module is built, this part of it is not: say so rather than "unknown".
                throw ConfigError(refusal, at: directive.location)
            }
            throw ConfigError("unknown directive \"\(directive.name)\"", at: directive.location)
        }
        guard let spec = specs.first(where: { $0.accepts(context) || IfContext.allows($0, in: context) }) else {
            throw ConfigError("\"\(directive.name)\" directive is not allowed here", at: directive.location)
        }
        if !spec.isBlock && directive.block != nil {
            throw ConfigError("directive \"\(directive.name)\" is not terminated by \";\"", at: directive.location)
        }
        if spec.isBlock && directive.block == nil {
            throw ConfigError("directive \"\(directive.name)\" has no opening \"{\"", at: directive.location)
        }
        guard spec.arity.accepts(directive.arguments.count) else {
            throw ConfigError("invalid number of arguments in \"\(directive.name)\" directive", at: directive.location)
        }
        try spec.handler.apply(self, directive)
    }

    /// Runs a block's directives with `frame` on top.
    func runBlock(_ directive: Directive, as context: ConfigContext, frame: Frame, entering: (() -> Void)? = nil) throws {
        frames.append(frame)
        blocksEntered += 1
        levels.append(blocksEntered)
        defer { frames.removeLast(); levels.removeLast() }
        entering?()
        try run(directive.block ?? [], in: context)
    }

    // MARK: - The current level

    /// The settings of the innermost http, server or location level (a `types {}` block writes there too).
    /// Changed in place (`_modify`): a directive writing one field does not copy the whole HTTPSettings out of
    /// its draft and back.
    var settings: HTTPSettings {
        get { settingsOwner.settings }
        _modify {
            let owner = settingsOwner
            owner.touched = true
            yield &owner.settings
        }
    }

    private var settingsOwner: any SettingsOwner {
        for frame in frames.reversed() {
            switch frame {
            case .http(let draft): return draft
            case .server(let draft): return draft
            case .location(let draft): return draft
            default: continue
            }
        }
        preconditionFailure("settings outside http")
    }

    var currentServer: ServerDraft? {
        for frame in frames.reversed() { if case .server(let draft) = frame { return draft } }
        return nil
    }

    var currentLocation: LocationDraft? {
        if case .location(let draft) = frames.last! { return draft }
        return nil
    }

    /// The innermost block is a `server` (not a location or an `if` in it).
    var isAtServerLevel: Bool {
        if case .server = frames.last! { return true }
        return false
    }

    var currentUpstream: UpstreamDraft {
        guard case .upstream(let draft) = frames.last! else { preconditionFailure("not in upstream") }
        return draft
    }

    /// Appends a rewrite-module step to the innermost server or location.
    func addRewriteStep(_ step: RewriteStep) {
        if let location = currentLocation {
            location.rewrites.append(step)
        } else {
            currentServer!.rewrites.append(step)
        }
    }

    // MARK: - Helpers for handlers

    private var seenOnce: Set<String> = []
    /// The hash sizing directives given 0 (`server_names_hash_max_size 0;`): see ConfigBuilder+HashSizes.swift.
    var zeroHashSizes: Set<String> = []
    /// nginx's per-level tables and their sizes, for the same check.
    private var levelHashTables = LevelHashTables()

    /// The current level sizes a per-level hash table (`types_hash_max_size 0;`).
    func sizesHashTable(_ directive: Directive, isZero: Bool) {
        levelHashTables.size(directive.name, isZero: isZero, at: levels.last!)
    }

    /// nginx builds `table` for the current level as it merges it: below http only (nothing merges into the
    /// http block's own).
    func buildsHashTable(_ table: LevelHashTables.Table) {
        if currentServer != nil { levelHashTables.build(table, at: levels) }
    }

    /// The first per-level table nginx would build with a size of 0.
    var firstZeroSizedHashTable: (table: LevelHashTables.Table, directive: String)? { levelHashTables.firstZero() }

    /// nginx's "is duplicate" for directives outside the merged settings: once per block (`scope`). `marking`
    /// false checks without counting this one (nginx's `worker_priority 0` leaves its slot unset).
    func once(_ directive: Directive, scope: String = "", marking: Bool = true) throws {
        let key = scope + " " + directive.name
        if seenOnce.contains(key) {
            throw ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location)
        }
        if marking { seenOnce.insert(key) }
    }

    /// Whether `key` is new, remembering it: for nginx's own duplicate words (`duplicate thread pool "x"`).
    func firstTime(_ key: String) -> Bool { seenOnce.insert(key).inserted }
    func seen(_ key: String) -> Bool { seenOnce.contains(key) }

    /// The innermost block as a `once` scope: main, events, and each http, server, location or `if` block its own.
    var levelScope: String { "level \(levels.last!)" }

    func absolutePath(_ path: String) -> String { ConfigPath.absolute(path, base: options.prefix) }
    /// The main configuration file's directory: ssl_* files resolve against it, as nginx's conf prefix.
    var confPrefix = ""
    func confPath(_ path: String) -> String { ConfigPath.absolute(path, base: confPrefix.isEmpty ? options.prefix : confPrefix) }

    func notice(_ message: String, at location: SourceLocation?) {
        diagnostics.append(ConfigDiagnostic(level: .notice, message: message, location: location))
    }

    func warn(_ message: String, at location: SourceLocation?) {
        diagnostics.append(ConfigDiagnostic(level: .warn, message: message, location: location))
    }

    /// A message at `level` that stops nothing: nginx logs some settings it ignores as `[emerg]` and loads on.
    func report(_ level: LogLevel, _ message: String, at location: SourceLocation?) {
        diagnostics.append(ConfigDiagnostic(level: level, message: message, location: location))
    }

    /// Validates a regex through the caller's pcre2 check; the error reads as nginx's.
    func checkRegex(_ pattern: String, caseInsensitive: Bool, at location: SourceLocation) throws {
        if let message = options.validateRegex(pattern, caseInsensitive) {
            throw ConfigError(message, at: location)
        }
    }

    /// Out of line: the merge's code stays out of freeze's recursive frame.
    @inline(never)
    func merge(_ child: inout HTTPSettings, from parent: HTTPSettings) {
        child.inherit(from: parent)
    }

    // MARK: - types {} and map {} bodies

    private func addTypes(_ directive: Directive) throws {
        if directive.block != nil {
            throw ConfigError("unexpected \"{\"", at: directive.location)
        }
        // In place (the `types` handler marked the setting set): a copy taken out of the settings and set back
        // duplicated the level's whole table on every line, as the settings still held it, so a `types` block of
        // n lines took time in n².
        for ext in directive.arguments {
            if let previous = settings.content.types[ext.text] {
                warn("duplicate extension \"\(ext.text.lowercased())\", content type: \"\(directive.name)\", "
                    + "previous content type: \"\(previous)\"", at: directive.location)
            }
            settings.content.types.add(type: directive.name, extension: ext.text)
        }
    }

    private func addMapEntry(_ directive: Directive) throws {
        guard case .entries(let draft) = frames.last! else { return }
        try draft.add(directive, builder: self)
    }
}
