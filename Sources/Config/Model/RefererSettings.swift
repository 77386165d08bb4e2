/// ngx_http_referer_module: which `Referer` values leave `$invalid_referer` empty.
public struct RefererSettings: Sendable {
    /// `valid_referers`: every line at one level adds to the same list; nil where no level set one.
    @Setting public var validReferers: ValidReferers? = nil
    /// `referer_hash_max_size`, `referer_hash_bucket_size`: accepted and checked as numbers; switchyard's
    /// table has no fixed size to tune.
    @Setting public var hashMaxSize: Int = 2048
    @Setting public var hashBucketSize: Int = 64

    public init() {}
}

/// The arguments of a level's `valid_referers` lines.
public struct ValidReferers: Sendable, Equatable {
    /// `none`: no Referer field is valid.
    public var none = false
    /// `blocked`: a Referer that does not start with `http://` or `https://` is valid.
    public var blocked = false
    /// `server_names`: the enclosing server's names, resolved when the runtime is built (nginx reads them at
    /// merge time, so a `server_name` below the directive counts too).
    public var serverNames = false
    /// Host names and wildcards with an optional URI prefix (`example.com/galleries/`), lowercased.
    public private(set) var hosts: [RefererHost] = []
    /// The stems of `hosts` in the forms that conflict (`RefererHost.conflicts`), for `add`: searching `hosts`
    /// for each new name made a list of n names take time in n².
    private var stems: Set<RefererHost.Stem> = []
    /// `~regex`, without the `~`: matched caseless against the text after the scheme.
    public var regexes: [String] = []
    /// The regex server names of a `server_names` level above, which this level keeps (nginx merges the
    /// regex lists apart from the names).
    public var inheritsServerNameRegexes = false
    /// The first `valid_referers` line of the level, for errors found once the server names are known.
    public var location: SourceLocation

    public init(location: SourceLocation) { self.location = location }
}

/// One `valid_referers` host: `www.example.org`, `*.example.com`, `.example.com`, `www.example.*`, with the
/// URI prefix after its first `/`, if any.
public struct RefererHost: Sendable, Equatable {
    /// nginx's three wildcard hash forms (ngx_hash_add_key).
    public enum Kind: Sendable, Equatable {
        case exact
        /// `*.example.com`: a name below example.com.
        case leading
        /// `.example.com`: example.com itself or a name below it.
        case leadingWithBare
        /// `www.example.*`.
        case trailing
    }

    /// Lowercased, as nginx's hash keys.
    public let name: String
    public let uri: String?
    public let kind: Kind
    /// The name without its wildcard: `example.com` for both leading forms, `www.example` for a trailing one.
    public let stem: String

    /// Nil for what nginx calls an invalid hostname or wildcard: two `*`, `..`, or a `*` elsewhere.
    public init?(name: String, uri: String?) {
        let low = name.lowercased()
        let bytes = Array(low.utf8)
        guard bytes.filter({ $0 == UInt8(ascii: "*") }).count <= 1, !low.contains(".."), !bytes.contains(0) else {
            return nil
        }
        if bytes.count > 1 && bytes[0] == UInt8(ascii: ".") {
            kind = .leadingWithBare; stem = String(low.dropFirst())
        } else if bytes.count > 2 && low.hasPrefix("*.") {
            kind = .leading; stem = String(low.dropFirst(2))
        } else if bytes.count > 2 && low.hasSuffix(".*") {
            kind = .trailing; stem = String(low.dropLast(2))
        } else if bytes.contains(UInt8(ascii: "*")) {
            return nil
        } else {
            kind = .exact; stem = low
        }
        self.name = low
        self.uri = uri
    }

    /// Whether nginx's hash refuses the two together ("conflicting parameter"): the same exact name (which
    /// `.example.com` also takes), the same leading wildcard stem, or the same trailing one.
    public func conflicts(with other: RefererHost) -> Bool {
        switch (kind, other.kind) {
        case (.trailing, .trailing): return stem == other.stem
        case (.trailing, _), (_, .trailing), (.exact, .leading), (.leading, .exact): return false
        default: return stem == other.stem   // exact names and both leading forms
        }
    }

    /// A stem as a hash key of the form it conflicts as: two hosts conflict exactly when their `stems` share one.
    struct Stem: Hashable, Sendable {
        enum Form: Hashable, Sendable { case exact, leading, trailing }
        let form: Form
        let stem: String
    }

    /// `.example.com` is both `example.com` and `*.example.com`.
    var stems: [Stem] {
        switch kind {
        case .exact: return [Stem(form: .exact, stem: stem)]
        case .leading: return [Stem(form: .leading, stem: stem)]
        case .leadingWithBare: return [Stem(form: .exact, stem: stem), Stem(form: .leading, stem: stem)]
        case .trailing: return [Stem(form: .trailing, stem: stem)]
        }
    }
}

extension ValidReferers {
    /// Adds a host as nginx's ngx_http_add_referer does, refusing in its words what its hash refuses.
    public mutating func add(host name: String, uri: String?, at location: SourceLocation) throws(ConfigError) {
        guard let host = RefererHost(name: name, uri: uri) else {
            throw ConfigError("invalid hostname or wildcard \"\(name)\"", at: location)
        }
        let stems = host.stems
        if stems.contains(where: self.stems.contains) {
            throw ConfigError("conflicting parameter \"\(host.name)\"", at: location)   // lowercased, as nginx prints it
        }
        self.stems.formUnion(stems)
        hosts.append(host)
    }
}
