/// What the response carries besides the upstream's body: files, types, charset, expiry, extra headers.
public struct ContentSettings: Sendable {
    @Setting public var documentRoot: DocumentRoot = .root("html")
    @Setting public var index: [String] = ["index.html"]
    @Setting public var defaultType: String = "text/plain"
    /// The `types {}` map; nginx's built-in three entries until a level sets its own.
    @Setting public var types = MimeTypes.nginxBuiltIn
    /// `charset`; nil is `off`.
    @Setting public var charset: String? = nil
    /// `subrequest_output_buffer_size`: the most of a subrequest's body kept in memory (an SSI `include … set=`).
    @Setting public var subrequestOutputBufferSize: Int = 4096
    /// `slice`: the size of the ranges a proxied response is fetched in (ngx_http_slice_filter_module); 0: off.
    @Setting public var sliceSize: Int = 0
    /// `charset_types` (`*`: any type); text/html is always one, as in nginx.
    @Setting public var charsetTypes: [String] = ["text/html", "text/xml", "text/plain", "text/vnd.wap.wml",
                                                  "application/javascript", "application/rss+xml"]
    /// `source_charset`: the charset responses are in. switchyard recodes nothing (there is no `charset_map`),
    /// so one that differs from `charset` is an error, as in nginx without a map between the two.
    @Setting public var sourceCharset: String? = nil
    /// `override_charset`: recode a proxied response that names its charset; with no `charset_map` there is
    /// nothing to recode to, in nginx too, so it changes nothing.
    @Setting public var overrideCharset: Bool = false
    @Setting public var expires: Expires = .off
    /// `add_header`: a level that sets any does not inherit its parent's.
    @Setting public var addHeaders: [AddHeader] = []
    /// `add_trailer`: a level that sets any does not inherit its parent's.
    @Setting public var addTrailers: [AddHeader] = []
    /// `error_page`: a level that sets any does not inherit its parent's.
    @Setting public var errorPages: [ErrorPage] = []
    @Setting public var serverTokens: ServerTokens = .on
    /// `msie_padding`: switchyard's own error pages carry nginx's padding comment for MSIE and Chrome, whose
    /// friendly error page would replace a short one.
    @Setting public var msiePadding: Bool = true
    /// `internal;` — the location only serves internal redirects.
    @Setting public var isInternal: Bool = false
    /// `if_modified_since`, `etag`, `max_ranges` (nil: unlimited): the not_modified and range filters.
    @Setting public var ifModifiedSince: IfModifiedSince = .exact
    @Setting public var etag: Bool = true
    @Setting public var maxRanges: Int? = nil
    /// `mirror`: the URIs a main request is mirrored to (ngx_http_mirror_module); `mirror off` is an empty list.
    @Setting public var mirrors: [String] = []
    /// `mirror_request_body`: the mirrors get the client's body (read before the handler runs).
    @Setting public var mirrorRequestBody: Bool = true
    /// `log_subrequest`: a subrequest's answer is written to the access log of its location too.
    @Setting public var logSubrequest: Bool = false
    /// `post_action URI|@name`: asked once the response is finished, its answer discarded; nil is `off`.
    @Setting public var postAction: String? = nil

    public init() {}
}

/// `root path` or `alias path` (the two share one slot in nginx, and inherit together).
public enum DocumentRoot: Sendable, Equatable {
    case root(String)
    case alias(String)
}

/// `if_modified_since off|exact|before`.
public enum IfModifiedSince: String, Sendable, Equatable {
    case off, exact, before
}

/// `server_tokens on|off|build`.
public enum ServerTokens: String, Sendable, Equatable {
    case on, off, build
}

/// `expires`: `off`, `epoch`, `max`, `[modified] time` (negative allowed), `@15h30m`.
public enum Expires: Sendable, Equatable {
    case off
    case epoch
    case max
    /// `Expires` = now + offset (negative means `Cache-Control: no-cache`).
    case after(Duration)
    /// `expires modified time`: last-modified + offset.
    case afterModified(Duration)
    /// `expires @15h30m`: the next time of day.
    case dailyAt(Duration)
    /// `expires [modified] $var`: the value is parsed per request (invalid or empty: no header).
    case variable(Template, modified: Bool)
}

/// `add_header name value [always]`.
public struct AddHeader: Sendable, Equatable {
    public let name: String
    public let value: Template
    /// Without `always`, the header is added only to 200, 201, 204, 206, 301, 302, 303, 304, 307, 308.
    public let always: Bool
    public let location: SourceLocation
}

/// `error_page code ... [=[response]] uri`.
public struct ErrorPage: Sendable, Equatable {
    public let codes: [Int]
    /// `=` alone: the status of the target; `=404`: that code; nil: keep the original code.
    public let response: Response?
    public let uri: Template
    public let location: SourceLocation

    public enum Response: Sendable, Equatable {
        case fromTarget
        case code(Int)
    }
}

/// Lower-case file extension → MIME type, from `types {}` blocks (usually via `include mime.types`).
public struct MimeTypes: Sendable, Equatable {
    public private(set) var byExtension: [String: String]

    public init(_ byExtension: [String: String] = [:]) { self.byExtension = byExtension }

    /// nginx's default when no `types` block is given.
    public static let nginxBuiltIn = MimeTypes(["html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"])

    public subscript(fileExtension: String) -> String? { byExtension[fileExtension.lowercased()] }

    mutating func add(type: String, extension ext: String) { byExtension[ext.lowercased()] = type }
}

/// `access_log` and `error_log` below the main level.
public struct LoggingSettings: Sendable {
    /// `access_log`: a level that sets any does not inherit its parent's; `[]` after `off`.
    @Setting public var accessLogs: [AccessLog] = [AccessLog(path: "logs/access.log", format: "combined")]
    @Setting public var errorLogs: [ErrorLog] = []
    /// `open_log_file_cache`: descriptors of log files whose paths hold variables, kept open; nil for `off`.
    @Setting public var openLogFileCache: OpenLogFileCache? = nil

    public init() {}
}

/// `open_log_file_cache max=N [inactive=time] [min_uses=N] [valid=time]`, with nginx's defaults.
public struct OpenLogFileCache: Sendable, Equatable {
    public var max: Int
    /// An entry not used for this long is closed.
    public var inactiveSeconds = 10
    /// A file is kept open once it was written this many times while in the cache.
    public var minUses = 1
    /// How long a kept descriptor is used before the path is opened again.
    public var validSeconds = 60
    /// Where the directive is: the cache belongs to it, shared by the levels that inherit it.
    public var location: SourceLocation

    public init(max: Int, location: SourceLocation) {
        self.max = max
        self.location = location
    }
}

/// `access_log path [format [buffer=size] [flush=time] [gzip[=level]] [if=condition]]`.
public struct AccessLog: Sendable, Equatable {
    /// Absolute after load (relative paths resolve against the prefix); empty for the standard error.
    public var path: String
    public var format: String
    public var bufferSize: Int? = nil
    public var flush: Duration? = nil
    public var condition: Template? = nil
    /// `gzip[=level]`: the buffer is written as one gzip member each time it is flushed.
    public var gzipLevel: Int? = nil
    public var location: SourceLocation? = nil
    /// `syslog:…`: the lines go to a syslog server (`path` keeps the text).
    public var syslog: SyslogTarget? = nil
}

/// `error_log file|stderr [level]`.
public struct ErrorLog: Sendable, Equatable {
    /// Absolute path, `stderr`, or the `syslog:…` text.
    public var path: String
    public var level: LogLevel
    public var syslog: SyslogTarget? = nil
}
