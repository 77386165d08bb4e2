/// Turns files into directive trees, expanding `include` in place (globs relative to the main
/// configuration file's directory, as nginx's conf prefix) and warning once per file about U+00A0.
struct ConfigReader {
    let source: any ConfigSource
    /// The directory of the main configuration file: relative includes resolve against it.
    let confPrefix: String
    private(set) var files: [ConfigFile] = []
    private(set) var diagnostics: [ConfigDiagnostic] = []
    private var depth = 0
    /// Blocks open around the one being read, across included files.
    private var blockDepth = 0
    /// The innermost open block is an `upstream` (across included files): only there is `state FILE` read.
    private var inUpstream = false
    /// A file that ended inside a block: its "unexpected end of file", kept while the blocks read so far are
    /// closed where the file ends, so the loader can report a directive's error from an earlier line first, as
    /// nginx does (it runs each directive as it reads it: `rewrite ^/(\d{3})$ …;` is "not terminated by ;" at its
    /// own line, not an end of file four lines later).
    private(set) var truncated: ConfigError?
    /// The deepest block nesting accepted. Everything after the reader (the builder, the merge, the runtime
    /// builder, the location search on worker threads, even freeing the trees) walks blocks recursively, so this
    /// bound keeps a reload from overflowing the stack: far above real configurations (a handful of levels),
    /// far below the depth where the smallest stack runs out (see Tests/CLITests/ConfigDepthTests.swift).
    static let maxBlockDepth = 100

    init(source: any ConfigSource, confPrefix: String) {
        self.source = source
        self.confPrefix = confPrefix
    }

    /// Reads and parses the file at `path` (absolute); errors carry `at` (the include line) when given.
    mutating func read(file path: String, includedAt: SourceLocation?) throws(ConfigError) -> [Directive] {
        let bytes: [UInt8]
        do {
            bytes = try source.read(path)
        } catch {
            throw ConfigError(error.message, at: includedAt)
        }
        files.append(ConfigFile(path: path, bytes: bytes))
        return try parse(bytes, file: path)
    }

    /// Parses `-g` text: errors say `in command line`.
    mutating func read(commandLine text: String) throws(ConfigError) -> [Directive] {
        try parse(Array(text.utf8), file: nil)
    }

    /// One warning for the U+00A0 a file's text had where whitespace goes (pasted from a web page); in a comment or
    /// in quotes it means nothing, and is not counted.
    private mutating func noteNonBreakingSpaces(_ lexer: Lexer, file: String?) {
        guard let file, lexer.nonBreakingSpaces > 0 else { return }
        let n = lexer.nonBreakingSpaces, plural = n == 1 ? "space" : "spaces"
        diagnostics.append(ConfigDiagnostic(
            level: .warn, message: "treated \(n) non-breaking \(plural) (U+00A0) as plain \(plural), the first",
            location: SourceLocation(file: file, line: lexer.firstNonBreakingSpaceLine)))
    }

    private mutating func parse(_ bytes: [UInt8], file: String?) throws(ConfigError) -> [Directive] {
        var lexer = Lexer(bytes, file: file)
        let tokens: [Token], endLine: Int
        do {
            (tokens, endLine) = try lexer.tokenize()
        } catch {
            noteNonBreakingSpaces(lexer, file: file)   // what was read before the error, which they may explain
            throw error
        }
        noteNonBreakingSpaces(lexer, file: file)
        var index = 0
        return try block(tokens, &index, file: file, endLine: endLine, nested: false)
    }

    private mutating func block(
        _ tokens: [Token], _ index: inout Int, file: String?, endLine: Int, nested: Bool
    ) throws(ConfigError) -> [Directive] {
        var directives: [Directive] = []
        while true {
            if truncated != nil { return directives }   // nothing after the end of a cut file is read (nginx stops)
            guard index < tokens.count else {
                if nested && truncated == nil {
                    truncated = ConfigError("unexpected end of file, expecting \"}\"", at: place(file, endLine))
                }
                return directives
            }
            let token = tokens[index]
            if token.kind == .blockEnd {
                index += 1
                if !nested { throw ConfigError("unexpected \"}\"", at: place(file, token.line)) }
                return directives
            }
            // The lexer guarantees words then `;` or `{`: tokens[first] is the name, the arguments follow.
            let first = index
            while tokens[index].kind == .word { index += 1 }
            let terminator = tokens[index]
            index += 1
            let name = String(decoding: tokens[first].bytes, as: UTF8.self)
            var arguments: [Argument] = []
            arguments.reserveCapacity(index - first - 2)
            for i in (first + 1)..<(index - 1) { arguments.append(Argument(tokens[i].bytes, quoted: tokens[i].quoted)) }
            let location = place(file, terminator.line)
            if terminator.kind == .blockStart {
                guard blockDepth < Self.maxBlockDepth else {
                    throw ConfigError("blocks are nested deeper than \(Self.maxBlockDepth) levels", at: location)
                }
                blockDepth += 1
                let outer = inUpstream
                inUpstream = name == "upstream"
                defer { blockDepth -= 1; inUpstream = outer }
                let children = try block(tokens, &index, file: file, endLine: endLine, nested: true)
                // `block` returned past the `}` that closed it.
                directives.append(Directive(name: name, arguments: arguments, block: children, location: location,
                                            blockEnd: place(file, tokens[index - 1].line)))
            } else if name == "include" {   // quoted or not, as every directive name in nginx
                directives += try include(arguments, at: location)
            } else if name == "state" && inUpstream && arguments.count == 1 {
                directives += try state(arguments[0].text, at: location)
            } else {
                directives.append(Directive(name: name, arguments: arguments, block: nil, location: location))
            }
        }
    }

    private mutating func include(_ arguments: [Argument], at location: SourceLocation) throws(ConfigError) -> [Directive] {
        guard arguments.count == 1 else {
            throw ConfigError("invalid number of arguments in \"include\" directive", at: location)
        }
        guard depth < 32 else { throw ConfigError("include nesting is deeper than 32 files", at: location) }
        let path = ConfigPath.absolute(arguments[0].text, base: confPrefix)
        let paths: [String]
        if GlobPattern.hasMagic(path) {
            do {
                paths = try source.glob(path)
            } catch {
                throw ConfigError(error.message, at: location)
            }
        } else {
            paths = [path]
        }
        depth += 1
        defer { depth -= 1 }
        var directives: [Directive] = []
        for path in paths {
            directives += try read(file: path, includedAt: location)
        }
        return directives
    }

    /// nginx Plus's `state FILE` in an upstream: the file holds `server` lines that the upstream reads as its
    /// own (the runtime API writes it). A missing file is an upstream with the block's own servers (a first start).
    private mutating func state(_ text: String, at location: SourceLocation) throws(ConfigError) -> [Directive] {
        let path = ConfigPath.absolute(text, base: confPrefix)
        let directive = Directive(name: "state", arguments: [Argument(path)], block: nil, location: location)
        let bytes: [UInt8]
        do {
            bytes = try source.read(path)
        } catch {
            if error.missing { return [directive] }
            throw ConfigError(error.message, at: location)
        }
        files.append(ConfigFile(path: path, bytes: bytes))
        let lines = try parse(bytes, file: path)
        for line in lines where line.name != "server" || line.block != nil {
            throw ConfigError("unexpected \"\(line.name)\" in state file, only \"server\" lines", at: line.location)
        }
        return [directive] + lines
    }

    private func place(_ file: String?, _ line: Int) -> SourceLocation {
        file.map { SourceLocation(file: $0, line: line) } ?? .commandLine
    }
}

/// Path arithmetic without Foundation.
public enum ConfigPath {
    /// `path` if absolute, else `base/path`.
    public static func absolute(_ path: String, base: String) -> String {
        if path.hasPrefix("/") || base.isEmpty { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// Everything before the last `/` (`/` for a file at the root, `.` when there is no slash).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }
}
