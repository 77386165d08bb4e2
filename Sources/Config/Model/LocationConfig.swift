/// One `location {}` block, with settings merged from its server (or parent location).
public struct LocationConfig: Sendable {
    public var match: LocationMatch
    /// Held by reference, copied on write (SettingsBox.swift).
    public var settings: HTTPSettings {
        @inlinable _read { yield box.value }
        _modify {
            var value = box.value
            yield &value
            box = SettingsBox(value)
        }
    }
    @usableFromInline var box: SettingsBox
    /// nil: no content handler of its own (static files from `root`/`alias`, `index`, `try_files`).
    public var handler: LocationHandler?
    /// `rewrite`/`return`/`set`/`break` in this location, in order.
    public var rewrites: [RewriteStep]
    /// Nested locations, in configuration order.
    public var nested: [LocationConfig]
    public var location: SourceLocation
    /// `limit_except METHOD … { … }`: requests with another method get these settings' access rules.
    public var limitExcept: LimitExcept? = nil
    /// `health_check` lines (the location's `proxy_pass` names a zoned upstream).
    public var healthChecks: [HealthCheck] = []

    init(match: LocationMatch, settings: HTTPSettings, handler: LocationHandler?, rewrites: [RewriteStep],
         nested: [LocationConfig], location: SourceLocation, limitExcept: LimitExcept? = nil,
         healthChecks: [HealthCheck] = []) {
        self.init(match: match, settingsBox: SettingsBox(settings), handler: handler, rewrites: rewrites, nested: nested,
                  location: location, limitExcept: limitExcept, healthChecks: healthChecks)
    }

    init(match: LocationMatch, settingsBox: SettingsBox, handler: LocationHandler?, rewrites: [RewriteStep],
         nested: [LocationConfig], location: SourceLocation, limitExcept: LimitExcept? = nil,
         healthChecks: [HealthCheck] = []) {
        self.match = match
        self.box = settingsBox
        self.handler = handler
        self.rewrites = rewrites
        self.nested = nested
        self.location = location
        self.limitExcept = limitExcept
        self.healthChecks = healthChecks
    }
}

/// `limit_except GET { deny all; }`: the methods let through as the location says (`GET` brings `HEAD`); any
/// other method is checked by the block's `allow`/`deny`/`auth_basic`, merged from the location as nginx merges
/// the block's own location configuration. A block with its own `proxy_pass` or `access_log` serves those
/// methods as a location of its own (nginx switches the request to the block's configuration).
public final class LimitExcept: Sendable {   // a class: a location holds a reference, not a second HTTPSettings
    public let methods: Set<String>
    public let settings: HTTPSettings
    public let location: SourceLocation
    /// The block's own `proxy_pass` (nil: the location's handler serves).
    public let handler: LocationHandler?
    /// The block sets `proxy_pass` or `access_log`: the other methods are served by a location made from it.
    public let ownsLocation: Bool

    init(methods: Set<String>, settings: HTTPSettings, location: SourceLocation, handler: LocationHandler? = nil,
         ownsLocation: Bool = false) {
        self.methods = methods; self.settings = settings; self.location = location
        self.handler = handler; self.ownsLocation = ownsLocation
    }

    /// nginx's NGX_HTTP_LMT_CONF directives: access, basic authentication, `access_log` and `proxy_pass`.
    static let allowed: Set<String> = ["allow", "deny", "auth_basic", "auth_basic_user_file", "access_log", "proxy_pass"]
    /// The methods nginx's limit_except knows.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE", "OPTIONS",
                                            "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH"]
}

/// How a location matches the URI (nginx: `=`, `^~`, none, `~`, `~*`, `@name`).
public enum LocationMatch: Sendable, Equatable {
    case exact(String)
    case prefix(String)
    /// `^~ /static/`: a longest-prefix match that skips the regex locations.
    case prefixNoRegex(String)
    case regex(String, caseInsensitive: Bool)
    /// `@name`: only reachable through `error_page` or internal redirects.
    case named(String)
}

/// A step of the rewrite module's script, executed in configuration order.
public enum RewriteStep: Sendable, Equatable {
    case rewrite(Rewrite)
    case `return`(Return)
    /// `set $name value`.
    case set(variable: String, value: Template, location: SourceLocation)
    case `break`
    case `if`(IfBlock)
}

/// `rewrite regex replacement [last|break|redirect|permanent]`.
public struct Rewrite: Sendable, Equatable {
    public enum Flag: String, Sendable {
        /// No flag: continue with the next step; a replacement starting with http://, https:// or $scheme
        /// redirects with 302.
        case none
        case last
        case `break`
        case redirect
        case permanent
    }

    public let pattern: String
    public let replacement: Template
    public let flag: Flag
    public let location: SourceLocation
}

/// `return code [text|URL]` or `return URL` (302).
public struct Return: Sendable, Equatable {
    public let code: Int
    /// Body text, or the `Location` for 301, 302, 303, 307, 308.
    public let value: Template?
    public let location: SourceLocation
}
