import ASCIIBytes

/// What a location knows about files and redirects: its root or alias, `try_files`, `internal`, the style of the
/// redirects it makes, and its error page rules. Built at load (RuntimeBuilder), read per request.
struct LocationFiles {
    var root: StaticRuntime
    var tryFiles: TryFilesRuntime? = nil
    /// `internal`: a request that was not redirected here gets 404.
    var isInternal = false
    var logNotFound = true
    /// `random_index on` (RandomIndex.swift).
    var randomIndex = false
    /// `autoindex on` (Autoindex.swift); nil where it is off, so other locations' directories cost nothing more.
    var autoindex: AutoindexRuntime? = nil
    var redirect = RedirectStyle()
    var recursiveErrorPages = false
    /// `msie_padding`: the error pages switchyard makes are padded for MSIE and Chrome (Responses.errorBody).
    var msiePadding = true
    /// `proxy_intercept_errors on`: an upstream status ≥ 300 with an `error_page` is answered by that page.
    var interceptErrors = false
    /// A proxied location whose name ends in `/`: its name without the slash is redirected to it (nginx's
    /// auto_redirect).
    var autoRedirect = false
    /// `disable_symlinks on | if_not_owner` (SymlinkPolicy.swift); nil where it is off.
    var symlinks: SymlinkPolicy? = nil

    /// The default root is built once: every location's files used to make its arrays again, only to replace them.
    static let defaultRoot = StaticRuntime(root: Array("html".utf8), isAlias: false,
                                           index: [CompiledTemplate(literal: Array("index.html".utf8))])

    init(root: StaticRuntime = LocationFiles.defaultRoot) { self.root = root }
}

/// `absolute_redirect`, `port_in_redirect`, `server_name_in_redirect`, `msie_refresh`.
struct RedirectStyle: Equatable {
    var absolute = true
    var port = true
    var serverName = false
    /// MSIE gets a refresh page instead (Responses.redirect).
    var msieRefresh = false
}

/// `try_files`, compiled: each file's template without its trailing `/` (which makes it a directory test).
struct TryFilesRuntime {
    enum Fallback {
        case uri(CompiledTemplate)
        case named([UInt8])
        case code(Int)
    }
    let files: [(template: CompiledTemplate, directory: Bool)]
    let fallback: Fallback
}

/// What a path on disk is, for try_files (a lookup the tests can fake).
enum FileKind: Equatable { case file, directory, missing }

/// The outcome of the file part of try_files.
enum TryFilesMatch: Equatable {
    /// A file matched: the URI becomes `uri`; `addURIToAlias` when a regex location's alias must get it.
    case found(uri: [UInt8], addURIToAlias: Bool)
    /// None matched: the last parameter decides.
    case none
}

enum FileLookup {
    /// nginx's ngx_http_map_uri_to_path: root + URI; an alias replaces its location's prefix of the URI, or,
    /// in a regex location, is the whole path (unless try_files asked for the URI to go after it).
    static func path(root: [UInt8], uri: [UInt8], isAlias: Bool, aliasPrefix: [UInt8]?, addURIToAlias: Bool) -> [UInt8] {
        var path: [UInt8] = []
        Self.path(root: root, uri: uri, isAlias: isAlias, aliasPrefix: aliasPrefix, addURIToAlias: addURIToAlias, into: &path)
        return path
    }

    /// `location /img { alias /data/images/; }` (the location's name without the alias's final slash, a common
    /// mistake) maps `/img../secret` to `/data/images/../secret`, and nginx serves the file above the alias
    /// directory; `location ~ ^/img(.*)$ { alias /data/images/$1; }` does the same through its capture. A
    /// normalized URI has no `..` segment of its own, so the only way it climbs is a piece of it that starts with
    /// one: the rest after a prefix location's name, or a regex location's capture (`$0`, the whole match, never
    /// does). True for such a request.
    static func climbsOutOfAlias(_ uri: [UInt8], _ files: StaticRuntime, captures: [[UInt8]]) -> Bool {
        guard files.isAlias else { return false }
        if let prefix = files.aliasPrefix { return uri.starts(with: prefix) && startsWithDotDotSegment(uri[prefix.count...]) }
        return files.rootTemplate != nil && captures.dropFirst().contains { startsWithDotDotSegment($0[...]) }
    }

    private static func startsWithDotDotSegment(_ bytes: ArraySlice<UInt8>) -> Bool {
        let i = bytes.startIndex
        guard bytes.count >= 2, bytes[i] == ASCII.dot, bytes[i + 1] == ASCII.dot else { return false }
        return bytes.count == 2 || bytes[i + 2] == ASCII.slash
    }

    /// The same into `path`'s memory (its capacity kept).
    static func path(root: [UInt8], uri: [UInt8], isAlias: Bool, aliasPrefix: [UInt8]?, addURIToAlias: Bool,
                     into path: inout [UInt8]) {
        path.removeAll(keepingCapacity: true)
        path.append(contentsOf: root)
        if !isAlias {
            path.append(contentsOf: uri)
        } else if let prefix = aliasPrefix {
            path.append(contentsOf: uri.dropFirst(min(prefix.count, uri.count)))
        } else if addURIToAlias {
            path.append(contentsOf: uri)
        }
    }

    /// The file part of nginx's try_files phase over evaluated candidates (`values[i]` without a trailing `/`
    /// when `directory[i]`): the first that exists as the kind asked for wins.
    static func tryFiles(_ values: [(value: [UInt8], directory: Bool)], root: [UInt8], isAlias: Bool,
                         aliasPrefix: [UInt8]?, uri: [UInt8], lookup: ([UInt8]) -> FileKind) -> TryFilesMatch {
        for (value, directory) in values {
            var path = root
            var rest = value[...]
            if isAlias, let prefix = aliasPrefix, value.starts(with: prefix) {
                rest = value[prefix.count...]   // the alias replaces the location's name
            }
            path.append(contentsOf: rest)
            let kind = lookup(path)
            if kind == .missing || (kind == .directory) != directory { continue }
            if !isAlias { return .found(uri: value, addURIToAlias: false) }
            if let prefix = aliasPrefix { return .found(uri: prefix + rest, addURIToAlias: false) }
            // A regex location's alias: a file's URI goes after the alias; a directory leaves the URI alone.
            return directory ? .found(uri: uri, addURIToAlias: false) : .found(uri: value, addURIToAlias: true)
        }
        return .none
    }

    /// The `uri/` of a directory or auto redirect, escaped as nginx escapes it for `Location` (RFC 3986: controls,
    /// non-ASCII, space, `"<>\\^`{|}`, and `?`, `%`, `#`), then `?args` when there are any (nginx tests args.len:
    /// `GET /dir?` goes to `/dir/`).
    static func slashRedirect(uri: [UInt8], args: ArraySlice<UInt8>?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(uri.count + 2 + (args?.count ?? 0))
        URIEscape.append(uri, .uri, to: &out)   // nginx's NGX_ESCAPE_URI, the set a proxied URI is escaped with
        out.append(UInt8(ascii: "/"))
        if let args, !args.isEmpty { out.append(UInt8(ascii: "?")); out.append(contentsOf: args) }
        return out
    }

    /// Splits `/path?args` as nginx's ngx_http_split_args.
    static func splitArgs(_ target: [UInt8]) -> (uri: [UInt8], args: [UInt8]?) {
        guard let q = target.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
        return (Array(target[..<q]), Array(target[(q + 1)...]))
    }
}

extension StaticRuntime {
    /// The file path for the request's URI, written into the buffer the request keeps for it (`Request.filePath`):
    /// building it as a new array was a malloc and a free for every file served.
    func path(for r: Request) -> [UInt8] {
        let base = rootTemplate.map { r.evaluate($0) } ?? root
        FileLookup.path(root: base, uri: r.uri, isAlias: isAlias, aliasPrefix: aliasPrefix,
                        addURIToAlias: r.addURIToAlias, into: &r.filePath)
        return r.filePath
    }
}
