/// ngx_http_core_module's settings for files and redirects: `try_files`, the redirect style, `log_not_found`,
/// `merge_slashes`, `recursive_error_pages`, where an `alias` was written, and ngx_http_autoindex_module's
/// settings (`autoindex`, `autoindex_format`, `autoindex_localtime`, `autoindex_exact_size`).
public struct FileSettings: Sendable {
    /// `try_files`: read only at the level that writes it (nginx does not merge it).
    @Setting public var tryFiles: TryFiles? = nil
    /// `merge_slashes` (http, server): `//` in the request path becomes `/` in `$uri`.
    @Setting public var mergeSlashes: Bool = true
    /// `absolute_redirect`: a redirect switchyard makes carries `http://host[:port]` before the path.
    @Setting public var absoluteRedirect: Bool = true
    /// `port_in_redirect`: that absolute redirect names the port (unless 80).
    @Setting public var portInRedirect: Bool = true
    /// `server_name_in_redirect`: its host is the server's first name instead of the request's Host.
    @Setting public var serverNameInRedirect: Bool = false
    /// `msie_refresh`: MSIE gets a redirect switchyard makes as a page that refreshes to the URL.
    @Setting public var msieRefresh: Bool = false
    /// `log_not_found`: a missing file is logged at `error`.
    @Setting public var logNotFound: Bool = true
    /// `random_index` (location): a request for a directory gets one of its files at random.
    @Setting public var randomIndex: Bool = false
    /// `autoindex`: a request for a directory that `index` found no file for gets a listing of it.
    @Setting public var autoindex: Bool = false
    /// `autoindex_format html | xml | json | jsonp`.
    @Setting public var autoindexFormat: AutoindexFormat = .html
    /// `autoindex_localtime`: the html listing's times in local time rather than UTC.
    @Setting public var autoindexLocaltime: Bool = false
    /// `autoindex_exact_size`: the html listing's sizes in bytes; off rounds them to K, M or G.
    @Setting public var autoindexExactSize: Bool = true
    /// `recursive_error_pages`: an error while serving an `error_page` may use `error_page` again.
    @Setting public var recursiveErrorPages: Bool = false
    /// Which part of the URI an inherited `alias` replaces; set together with `alias`.
    @Setting public var aliasScope: AliasScope = .wholePath
    /// `disable_symlinks off | on | if_not_owner [from=part]`.
    @Setting public var disableSymlinks = DisableSymlinks.off

    public init() {}
}

/// `disable_symlinks`: whether a file is opened through symbolic links. `on` refuses any link in the path,
/// `ifNotOwner` a link whose owner is not its target's; the path up to `from` (a template, often
/// `$document_root`) is not checked.
public struct DisableSymlinks: Sendable, Equatable {
    public enum Mode: Sendable, Equatable { case off, on, ifNotOwner }
    public let mode: Mode
    public let from: Template?

    public init(mode: Mode, from: Template? = nil) { self.mode = mode; self.from = from }
    public static let off = DisableSymlinks(mode: .off)
}

/// `autoindex_format`: what the directory listing is written as.
public enum AutoindexFormat: String, Sendable {
    case html, xml, json, jsonp
}

/// `try_files file ... uri|@name|=code`.
public struct TryFiles: Sendable, Equatable {
    /// The files tried in order; one ending in `/` is tried as a directory.
    public let files: [Template]
    public let fallback: Fallback
    public let location: SourceLocation

    public enum Fallback: Sendable, Equatable {
        /// An internal redirect to this URI (it may hold variables and `?args`).
        case uri(Template)
        /// `@name`: the named location.
        case named(String)
        /// `=404`: the request ends with this status.
        case code(Int)
    }
}

/// The part of the URI an `alias` replaces: the name of the location that wrote it (a prefix or exact
/// location), or, in a regex location, the whole path (the alias is the file's full path, usually with captures).
public enum AliasScope: Sendable, Equatable {
    case prefix(String)
    case wholePath
}
