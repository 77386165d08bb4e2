/// `ssi*` directives (ngx_http_ssi_module).
public struct SSISettings: Sendable {
    @Setting public var enabled: Bool = false
    /// MIME types processed; `text/html` is always included, `*` means any.
    @Setting public var types: Set<String> = ["text/html"]
    @Setting public var lastModified: Bool = false
    @Setting public var minFileChunk: Int = 1024
    @Setting public var silentErrors: Bool = false
    @Setting public var valueLength: Int = 256

    public init() {}
}
