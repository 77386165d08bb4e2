/// `add_before_body`, `add_after_body`, `addition_types` (ngx_http_addition_filter_module).
public struct AdditionSettings: Sendable {
    /// The URI whose body goes before the page's; `""` (set explicitly) cancels an inherited one, as in nginx.
    @Setting public var beforeBody: String = ""
    /// The URI whose body follows the page's last byte.
    @Setting public var afterBody: String = ""
    /// MIME types the bodies are added to; `text/html` is always included, `*` means any.
    @Setting public var types: Set<String> = ["text/html"]

    public init() {}
}
