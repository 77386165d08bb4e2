@testable import Config
import Regex

/// Loads an in-memory configuration whose files live under `/c/` (the main one is `/c/nginx.conf`),
/// with `/p` as the prefix, pcre2 as the regex check and only `localhost` resolvable.
func load(_ files: [String: String], globals: String? = nil) throws(ConfigError) -> Configuration {
    var diagnostics: [ConfigDiagnostic] = []
    return try load(files, globals: globals, diagnostics: &diagnostics)
}

func load(
    _ files: [String: String], globals: String? = nil, diagnostics: inout [ConfigDiagnostic]
) throws(ConfigError) -> Configuration {
    var absolute: [String: String] = [:]
    for (path, text) in files { absolute[path.hasPrefix("/") ? path : "/c/" + path] = text }
    let loader = ConfigLoader(options: testOptions(globals: globals), source: InMemoryConfigSource(absolute))
    return try loader.load(file: "/c/nginx.conf", diagnostics: &diagnostics)
}

func testOptions(globals: String? = nil) -> LoadOptions {
    LoadOptions(
        prefix: "/p", globalDirectives: globals,
        validateRegex: { pattern, caseless in
            do {
                _ = try Regex(pattern, caseless: caseless)
                return nil
            } catch {
                return "\(error)"
            }
        },
        resolveHost: { $0 == "localhost" })
}

/// The whole error text for a configuration that must fail, or "loaded" when it does not.
func loadError(_ files: [String: String], globals: String? = nil) -> String {
    do {
        _ = try load(files, globals: globals)
        return "loaded"
    } catch {
        return error.description
    }
}

/// A main file with an events block and `body` inside `http {}`.
func http(_ body: String) -> [String: String] {
    ["nginx.conf": "events {}\nhttp {\n\(body)\n}\n"]
}

/// The first location of the first server of a loaded configuration.
func firstLocation(_ config: Configuration) -> LocationConfig {
    config.http!.servers[0].locations[0]
}
