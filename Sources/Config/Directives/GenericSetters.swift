/// Generic setters for table rows, like nginx's `ngx_conf_set_*_slot`: parse one argument, refuse a
/// second setting at the same level ("is duplicate"), and inherit when unset.
typealias SettingPath<Value: Sendable> = WritableKeyPath<HTTPSettings, Setting<Value>>

extension DirectiveHandler {
    /// The shared shape: parse the directive into a value and store it once per level.
    static func value<Value: Sendable>(
        _ path: SettingPath<Value>, _ parse: @escaping (ConfigBuilder, Directive) throws -> Value
    ) -> DirectiveHandler {
        DirectiveHandler(merges: [merge(path)]) { builder, directive in
            if isSet(&builder.settings[keyPath: path]) {
                throw ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location)
            }
            let value = try parse(builder, directive)
            builder.settings[keyPath: path].set(value)
        }
    }

    /// Appends to a list; the first use at a level drops the inherited list (nginx's array rule).
    static func append<Element: Sendable>(
        _ path: SettingPath<[Element]>, _ parse: @escaping (ConfigBuilder, Directive) throws -> [Element]
    ) -> DirectiveHandler {
        DirectiveHandler(merges: [merge(path)]) { builder, directive in
            let current = read(&builder.settings[keyPath: path])
            let items = try parse(builder, directive)
            builder.settings[keyPath: path].set((current.isSet ? current.wrappedValue : []) + items)
        }
    }

    /// nginx's bitmask slots (`ngx_conf_set_bitmask_slot`), and `ssl_session_cache`, which read a second
    /// directive at the same level on top of the first instead of refusing it. `combine` gets the level's value
    /// so far (nil for its first directive) and returns the new one.
    static func accumulate<Value: Sendable>(
        _ path: SettingPath<Value>, _ combine: @escaping (ConfigBuilder, Directive, Value?) throws -> Value
    ) -> DirectiveHandler {
        DirectiveHandler(merges: [merge(path)]) { builder, directive in
            let current = read(&builder.settings[keyPath: path])
            let value = try combine(builder, directive, current.isSet ? current.wrappedValue : nil)
            builder.settings[keyPath: path].set(value)
        }
    }

    static func merge<Value: Sendable>(_ path: SettingPath<Value>) -> Merge {
        Merge(isSet: { $0[keyPath: path].isSet },
              markSet: { settings in settings[keyPath: path].set(settings[keyPath: path].wrappedValue) })
    }

    /// A field read through an inout key-path access, for the same reason (a plain read copies the root).
    static func isSet<Value>(_ setting: inout Setting<Value>) -> Bool { setting.isSet }
    static func read<Value>(_ setting: inout Setting<Value>) -> Setting<Value> { setting }

    static func flag(_ path: SettingPath<Bool>) -> DirectiveHandler {
        value(path) { _, directive in try Values.flag(directive) }
    }

    static func seconds(_ path: SettingPath<Duration>) -> DirectiveHandler {
        value(path) { _, directive in try Values.seconds(directive, directive.arguments[0]) }
    }

    static func milliseconds(_ path: SettingPath<Duration>) -> DirectiveHandler {
        value(path) { _, directive in try Values.milliseconds(directive, directive.arguments[0]) }
    }

    static func size(_ path: SettingPath<Int>) -> DirectiveHandler {
        value(path) { _, directive in try Values.size(directive, directive.arguments[0]) }
    }

    static func offset(_ path: SettingPath<Int>) -> DirectiveHandler {
        value(path) { _, directive in try Values.offset(directive, directive.arguments[0]) }
    }

    static func number(_ path: SettingPath<Int>) -> DirectiveHandler {
        value(path) { _, directive in try Values.number(directive, directive.arguments[0]) }
    }

    static func string(_ path: SettingPath<String>) -> DirectiveHandler {
        value(path) { _, directive in directive.arguments[0].text }
    }

    /// A file or directory path, made absolute against the prefix.
    static func path(_ path: SettingPath<String>) -> DirectiveHandler {
        value(path) { builder, directive in builder.absolutePath(directive.arguments[0].text) }
    }

    /// One word of a fixed set, any case (nginx's `ngx_conf_set_enum_slot` compares with `ngx_strcasecmp`).
    static func choice<Value: RawRepresentable & Sendable>(_ path: SettingPath<Value>) -> DirectiveHandler
    where Value.RawValue == String {
        value(path) { _, directive in
            guard let choice = Value(rawValue: directive.arguments[0].text.lowercased()) else {
                throw ConfigError("invalid value \"\(directive.arguments[0].text)\"", at: directive.location)
            }
            return choice
        }
    }

    /// `N size`, as `proxy_buffers 4 128k`.
    static func bufferCount(_ path: SettingPath<BufferCount>) -> DirectiveHandler {
        value(path) { _, directive in try Values.bufferCount(directive) }
    }

    /// Several words into a set or list of strings (`gzip_types`, `proxy_hide_header`).
    static func words(_ path: SettingPath<[String]>) -> DirectiveHandler {
        append(path) { _, directive in directive.arguments.map(\.text) }
    }

    /// A row whose value lives outside `HTTPSettings` (main, events, upstream, …).
    static func custom(_ apply: @escaping Apply) -> DirectiveHandler {
        DirectiveHandler(apply)
    }

    /// The same row, named in the `[notice]` of directives without effect: its value is kept only for a check
    /// nginx makes against other settings (`fastcgi_max_temp_file_size` against the buffers).
    var noticedIgnored: DirectiveHandler {
        let apply = self.apply
        return DirectiveHandler(merges: merges) { builder, directive in
            try apply(builder, directive)
            builder.noticeIgnored(directive)
        }
    }
}

/// nginx's argument parsers with nginx's error wording.
enum Values {
    static func flag(_ directive: Directive) throws -> Bool {
        let text = directive.arguments[0].text
        switch text.lowercased() {
        case "on": return true
        case "off": return false
        default:
            throw ConfigError(
                "invalid value \"\(text)\" in \"\(directive.name)\" directive, it must be \"on\" or \"off\"",
                at: directive.location)
        }
    }

    static func seconds(_ directive: Directive, _ argument: Argument) throws -> Duration {
        guard let seconds = Units.seconds(argument.text) else { throw invalidValue(directive) }
        return .seconds(seconds)
    }

    static func milliseconds(_ directive: Directive, _ argument: Argument) throws -> Duration {
        guard let milliseconds = Units.milliseconds(argument.text) else { throw invalidValue(directive) }
        return .milliseconds(milliseconds)
    }

    static func size(_ directive: Directive, _ argument: Argument) throws -> Int {
        guard let size = Units.size(argument.text) else { throw invalidValue(directive) }
        return size
    }

    static func offset(_ directive: Directive, _ argument: Argument) throws -> Int {
        guard let size = Units.offset(argument.text) else { throw invalidValue(directive) }
        return size
    }

    /// nginx's ngx_conf_set_bufs_slot: a plain number and a size, neither of them 0.
    static func bufferCount(_ directive: Directive) throws -> BufferCount {
        let arguments = directive.arguments, number = arguments[0].text
        guard number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let count = Int(number), count > 0,
              let size = Units.size(arguments[1].text), size > 0
        else { throw invalidValue(directive) }
        return BufferCount(count: count, size: size)
    }

    /// nginx's ngx_atoi: decimal digits only (no sign, no space), at least one, and no overflow. Swift's
    /// `Int("+5")` takes a sign nginx refuses.
    static func decimal<S: StringProtocol>(_ text: S) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    /// The levels after a `*_temp_path`'s directory, as nginx's ngx_conf_set_path_slot reads them: each a
    /// number above 0, together at most 10 digits of the 10-digit temp file name.
    static func pathLevels(_ directive: Directive) throws -> [Int] {
        var levels: [Int] = []
        for argument in directive.arguments.dropFirst() {
            guard let level = decimal(argument.text), (1...10).contains(level) else { throw invalidValue(directive) }
            levels.append(level)
        }
        guard levels.reduce(0, +) <= 10 else { throw invalidValue(directive) }
        return levels
    }

    static func number(_ directive: Directive, _ argument: Argument) throws -> Int {
        guard let number = decimal(argument.text) else {
            throw ConfigError("\"\(directive.name)\" directive invalid number", at: directive.location)
        }
        return number
    }

    static func template(_ directive: Directive, _ argument: Argument) throws -> Template {
        do {
            return try Template(bytes: argument.bytes)
        } catch {
            throw ConfigError(error.message, at: directive.location)
        }
    }

    /// A bitmask directive's words added to `flags`: an unknown word is `invalid value`, one already there a
    /// `[warn] duplicate value`, as in nginx.
    static func addFlags<Flag: Hashable>(
        _ builder: ConfigBuilder, _ directive: Directive, to flags: inout Set<Flag>, _ flag: (String) -> Flag?
    ) throws {
        for argument in directive.arguments {
            // nginx's ngx_conf_set_bitmask_slot compares with ngx_strcasecmp: `HTTP_502` is `http_502`.
            guard let f = flag(argument.text.lowercased()) else {
                throw ConfigError("invalid value \"\(argument.text)\"", at: directive.location)
            }
            if !flags.insert(f).inserted { builder.warn("duplicate value \"\(argument.text)\"", at: directive.location) }
        }
    }

    /// nginx's ngx_http_types_slot (`gzip_types`, `ssi_types`, `sub_filter_types`, `addition_types`): MIME types
    /// in lower case, text/html always among them; a second directive at a level adds to the first, a type given
    /// twice is a `[warn]`, and `*` (any type) ends the list.
    static func mimeTypes(_ builder: ConfigBuilder, _ directive: Directive, _ current: Set<String>?) -> Set<String> {
        var types = current ?? ["text/html"]
        if types.contains("*") { return types }
        for argument in directive.arguments {
            let type = argument.text.lowercased()
            if type == "*" { return ["*"] }
            if !types.insert(type).inserted { builder.warn("duplicate MIME type \"\(type)\"", at: directive.location) }
        }
        return types
    }

    /// nginx's text for the size and time slots: `"proxy_buffer_size" directive invalid value`.
    static func invalidValue(_ directive: Directive) -> ConfigError {
        ConfigError("\"\(directive.name)\" directive invalid value", at: directive.location)
    }

    /// Whether every byte is ASCII: then bytes and Characters are one to one, and byte-wise searching and slicing
    /// give what the Character-wise forms do.
    static func isASCII<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Bool {
        bytes.allSatisfy { $0 < 0x80 }
    }

    static func invalidParameter(_ directive: Directive, _ text: String) -> ConfigError {
        ConfigError("invalid parameter \"\(text)\"", at: directive.location)
    }

    /// Splits `name=value`; nil when the argument does not start with `name=`.
    static func parameter(_ argument: Argument, _ name: String) -> String? {
        // ASCII (every parameter written right): compared as bytes, without building `name=` and the text each try.
        let bytes = argument.bytes
        if isASCII(bytes) {
            let n = name.utf8.count
            guard bytes.count > n, bytes[n] == UInt8(ascii: "="), bytes.starts(with: name.utf8) else { return nil }
            return String(decoding: bytes[(n + 1)...], as: UTF8.self)
        }
        let text = argument.text
        guard text.hasPrefix(name + "=") else { return nil }
        return String(text.dropFirst(name.count + 1))
    }
}
