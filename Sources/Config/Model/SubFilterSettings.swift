/// `sub_filter*` directives (ngx_http_sub_module).
public struct SubFilterSettings: Sendable {
    /// `sub_filter` lines in order; a level with its own replaces the inherited list whole, as in nginx.
    @Setting public var pairs: [SubFilterPair] = []
    /// MIME types filtered; `text/html` is always included, `*` means any.
    @Setting public var types: Set<String> = ["text/html"]
    @Setting public var once: Bool = true
    @Setting public var lastModified: Bool = false

    public init() {}
}

/// One `sub_filter string replacement`: both may hold variables (the string is evaluated per response).
public struct SubFilterPair: Sendable, Equatable {
    public let match: Template
    public let replacement: Template
    public let location: SourceLocation
}
