/// The blocks a directive may appear in (nginx's `NGX_MAIN_CONF`, `NGX_HTTP_SRV_CONF`, …).
public enum ConfigContext: String, Sendable, Hashable, CaseIterable {
    case main, events, http, server, location, upstream, map, types
    /// Inside `if` in a server or a location (nginx's SIF and LIF).
    case serverIf, locationIf
    /// Inside `limit_except` (nginx's LMT).
    case limitExcept

    /// One bit per context, for `DirectiveSpec.accepts`.
    var bit: UInt16 {
        switch self {
        case .main: 1 << 0
        case .events: 1 << 1
        case .http: 1 << 2
        case .server: 1 << 3
        case .location: 1 << 4
        case .upstream: 1 << 5
        case .map: 1 << 6
        case .types: 1 << 7
        case .serverIf: 1 << 8
        case .locationIf: 1 << 9
        case .limitExcept: 1 << 10
        }
    }
}

/// How many arguments a directive takes (nginx's `NGX_CONF_TAKE*` / `1MORE` flags).
struct Arity: Sendable {
    let minimum: Int
    let maximum: Int

    static let none = Arity(minimum: 0, maximum: 0)
    static func exactly(_ count: Int) -> Arity { Arity(minimum: count, maximum: count) }
    static func range(_ minimum: Int, _ maximum: Int) -> Arity { Arity(minimum: minimum, maximum: maximum) }
    static func atLeast(_ minimum: Int) -> Arity { Arity(minimum: minimum, maximum: Int.max) }

    func accepts(_ count: Int) -> Bool { count >= minimum && count <= maximum }
}

/// What a directive does to the configuration being built, and which of its fields lower levels inherit.
struct DirectiveHandler {
    typealias Apply = (ConfigBuilder, Directive) throws -> Void

    /// A field of `HTTPSettings` this directive writes, which lower levels inherit when they do not set it. The
    /// merge itself is `HTTPSettings.inherit(from:)`, in direct code; this is the row's own account of the field
    /// (through its key path), which MergeTests holds that merge to.
    struct Merge {
        let isSet: (HTTPSettings) -> Bool
        let markSet: (inout HTTPSettings) -> Void
    }

    let apply: Apply
    /// Fields this directive writes in `HTTPSettings`, inherited by lower levels that do not set them.
    let merges: [Merge]

    init(merges: [Merge] = [], _ apply: @escaping Apply) {
        self.apply = apply
        self.merges = merges
    }
}

/// One row of the directive table: nginx's `ngx_command_t`.
///
///     DirectiveSpec("proxy_connect_timeout", [.http, .server, .location], .exactly(1),
///                   .milliseconds(\.modules.proxy.$connectTimeout))
struct DirectiveSpec {
    let name: String
    let contexts: Set<ConfigContext>
    /// `contexts` as bits: the test every directive of a file makes (a Set of this String-backed enum hashes the
    /// string).
    private let contextBits: UInt16
    let arity: Arity
    /// Takes a `{ … }` block.
    let isBlock: Bool
    let handler: DirectiveHandler

    init(_ name: String, _ contexts: Set<ConfigContext>, _ arity: Arity, block: Bool = false, _ handler: DirectiveHandler) {
        self.name = name
        self.contexts = contexts
        self.contextBits = contexts.reduce(0) { $0 | $1.bit }
        self.arity = arity
        self.isBlock = block
        self.handler = handler
    }

    func accepts(_ context: ConfigContext) -> Bool { contextBits & context.bit != 0 }
}

/// http, server and location: where most settings live.
let anyHTTPLevel: Set<ConfigContext> = [.http, .server, .location]
