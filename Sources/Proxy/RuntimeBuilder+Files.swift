import Config
import EventLoop

/// The files part of a location at load: root or alias, index, try_files, the redirect style, error pages.
extension Builder {
    func locationFiles(_ settings: HTTPSettings, at loc: SourceLocation) throws(ConfigError) -> LocationFiles {
        var index: [CompiledTemplate] = []
        for name in settings.content.index {
            index.append(try compile(try template(name, at: loc), at: loc))
        }
        let root: StaticRuntime
        switch settings.content.documentRoot {
        case .root(let r):
            root = try staticRuntime(absolute(r), isAlias: false, aliasPrefix: nil, index: index, at: loc)
        case .alias(let a):
            var prefix: [UInt8]? = nil
            if case .prefix(let name) = settings.files.aliasScope { prefix = Array(name.utf8) }
            root = try staticRuntime(absolute(a), isAlias: true, aliasPrefix: prefix, index: index, at: loc)
        }
        var files = LocationFiles(root: root)
        if let t = settings.files.tryFiles {
            var entries: [(template: CompiledTemplate, directory: Bool)] = []
            for f in t.files {
                // A trailing `/` asks for a directory; the name is tried without it (nginx).
                let directory = f.source.hasSuffix("/")
                let source = directory ? String(f.source.dropLast()) : f.source
                entries.append((try compile(try template(source, at: t.location), at: t.location), directory))
            }
            let fallback: TryFilesRuntime.Fallback
            switch t.fallback {
            case .uri(let u): fallback = .uri(try compile(u, at: t.location))
            case .named(let n): fallback = .named(Array(n.utf8))
            case .code(let c): fallback = .code(c)
            }
            files.tryFiles = TryFilesRuntime(files: entries, fallback: fallback)
        }
        files.isInternal = settings.content.isInternal
        files.logNotFound = settings.files.logNotFound
        let links = settings.files.disableSymlinks
        if links.mode != .off {
            files.symlinks = SymlinkPolicy(rule: links.mode == .on ? .refuse : .sameOwner,
                                           from: try links.from.map { t throws(ConfigError) in try compile(t, at: loc) })
        }
        files.randomIndex = settings.files.randomIndex
        if settings.files.autoindex {
            files.autoindex = AutoindexRuntime(format: settings.files.autoindexFormat,
                                               localtime: settings.files.autoindexLocaltime,
                                               exactSize: settings.files.autoindexExactSize)
        }
        files.redirect = RedirectStyle(absolute: settings.files.absoluteRedirect, port: settings.files.portInRedirect,
                                       serverName: settings.files.serverNameInRedirect,
                                       msieRefresh: settings.files.msieRefresh)
        files.recursiveErrorPages = settings.files.recursiveErrorPages
        files.msiePadding = settings.content.msiePadding
        files.interceptErrors = settings.proxy.interceptErrors
        return files
    }

    private func staticRuntime(_ path: String, isAlias: Bool, aliasPrefix: [UInt8]?, index: [CompiledTemplate],
                               at loc: SourceLocation) throws(ConfigError) -> StaticRuntime {
        let t = try template(path, at: loc)
        var s = StaticRuntime(root: Array(path.utf8), isAlias: isAlias, index: index)
        if !t.isLiteral { s.rootTemplate = try compile(t, at: loc) }
        s.aliasPrefix = aliasPrefix
        return s
    }

    private func template(_ text: String, at loc: SourceLocation) throws(ConfigError) -> Template {
        if let known = memo.parsed[text] { return known }   // the same root or index in many locations
        do {
            let t = try Template(text)
            memo.parsed[text] = t
            return t
        } catch { throw ConfigError(error.message, at: loc) }
    }

    /// `error_page`: a literal `/uri` or `@name` is decided here; one with variables per request.
    func errorPageTarget(_ e: ErrorPage) throws(ConfigError) -> ErrorPageTarget {
        let status: ErrorPageStatus
        switch e.response {
        case .code(let c)?: status = .code(c)
        case .fromTarget?: status = .fromTarget
        case nil: status = .keep
        }
        let source = e.uri.source
        if e.uri.isLiteral {
            if source.hasPrefix("/") {
                let (uri, args) = FileLookup.splitArgs(Array(source.utf8))
                return .uri(uri, args: args, status: status)
            }
            if source.hasPrefix("@") { return .named(Array(source.utf8), status: status) }
        } else if !source.hasPrefix("http") {
            return .dynamic(try compile(e.uri, at: e.location), status: status)
        }
        // A URL: a redirect, 302 unless `=301`/`=303`/… is given.
        var code = 302
        if case .code(let c) = status, [301, 302, 303, 307, 308].contains(c) { code = c }
        return .redirect(try compile(e.uri, at: e.location), status: code)
    }
}
