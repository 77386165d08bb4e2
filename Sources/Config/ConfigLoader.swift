/// Loads a configuration: read files (with includes), run every directive through the table,
/// merge levels, validate cross-references, and freeze the result into a `Configuration`.
///
///     let loader = ConfigLoader(options: LoadOptions(prefix: "/srv/switchyard"))
///     let config = try loader.load(file: "/srv/switchyard/conf/nginx.conf")
public struct ConfigLoader {
    public let options: LoadOptions
    private let source: any ConfigSource

    public init(options: LoadOptions, source: any ConfigSource = FileSystemConfigSource()) {
        self.options = options
        self.source = source
    }

    /// Loads the absolute `file`, then the `-g` directives of `options`, into a validated configuration.
    public func load(file: String) throws(ConfigError) -> Configuration {
        var diagnostics: [ConfigDiagnostic] = []
        return try load(file: file, diagnostics: &diagnostics)
    }

    /// As `load(file:)`; `diagnostics` receives the `[warn]`/`[notice]` lines even when loading fails,
    /// so the CLI can print them before the `[emerg]` line as nginx does.
    public func load(file: String, diagnostics: inout [ConfigDiagnostic]) throws(ConfigError) -> Configuration {
        var reader = ConfigReader(source: source, confPrefix: ConfigPath.directory(of: file))
        let builder = ConfigBuilder(options: options)
        builder.confPrefix = ConfigPath.directory(of: file)
        defer { diagnostics = reader.diagnostics + builder.diagnostics }
        do {
            var directives = try reader.read(file: file, includedAt: nil)
            if let globals = options.globalDirectives, !globals.isEmpty {
                directives += try reader.read(commandLine: globals)
            }
            do {
                try builder.run(directives, in: .main)
            } catch let error as ConfigError where reader.truncated != nil {
                throw Self.first(error, reader.truncated!)
            }
            if let truncated = reader.truncated { throw truncated }
            directives = []   // the parsed tree is not needed any more: its memory serves what finish() builds
            var configuration = try builder.finish()
            configuration.files = reader.files
            configuration.diagnostics = reader.diagnostics + builder.diagnostics
            return configuration
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError("\(error)", at: nil)
        }
    }

    /// A directive's error on a line before the one where the file ended inside a block, or that end of file:
    /// what nginx, which runs each directive as it reads it, reports first. Only the running of directives is
    /// weighed so (what the end of file cut off cannot make `finish()`'s checks say anything true).
    private static func first(_ error: ConfigError, _ truncated: ConfigError) -> ConfigError {
        guard let at = error.location, let end = truncated.location, at.file == end.file, at.line < end.line else {
            return truncated
        }
        return error
    }
}

/// Everything the loader needs from outside: the prefix, `-g`, and the two checks it cannot do in
/// pure Swift (regexes through pcre2, host names through the resolver).
public struct LoadOptions {
    /// Relative paths (pid, logs, temp and cache directories) resolve against this absolute directory.
    public var prefix: String
    /// `-g` text, appended to the main context.
    public var globalDirectives: String?
    /// Returns pcre2's error text for a bad pattern, nil when it compiles.
    public var validateRegex: (_ pattern: String, _ caseInsensitive: Bool) -> String?
    /// Whether a `proxy_pass` host that names no upstream resolves (nginx resolves it at load).
    public var resolveHost: (_ host: String) -> Bool
    /// The port of a server without `listen`: nginx uses 80 as root, 8000 otherwise.
    public var defaultListenPort: Int
    /// The pid, log and temp paths of a configuration that does not name them.
    public var defaultPaths: DefaultPaths

    public init(
        prefix: String,
        globalDirectives: String? = nil,
        validateRegex: @escaping (String, Bool) -> String? = { _, _ in nil },
        resolveHost: @escaping (String) -> Bool = { $0 == "localhost" },
        defaultListenPort: Int = 80,
        defaultPaths: DefaultPaths = .underPrefix
    ) {
        self.prefix = prefix
        self.globalDirectives = globalDirectives
        self.validateRegex = validateRegex
        self.resolveHost = resolveHost
        self.defaultListenPort = defaultListenPort
        self.defaultPaths = defaultPaths
    }
}
