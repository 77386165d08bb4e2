/// Blocks that open a level: http, server, location, upstream, map, types; and what places a server.
extension DirectiveTable {
    static var blocks: [DirectiveSpec] {
        [
        DirectiveSpec("http", [.main], .none, block: true, .custom { builder, directive in
            if builder.http != nil { throw ConfigError("\"http\" directive is duplicate", at: directive.location) }
            let draft = HTTPDraft(location: directive.location, end: directive.blockEnd ?? directive.location,
                                  prefix: builder.options.prefix, defaults: builder.options.defaultPaths)
            builder.http = draft
            try builder.runBlock(directive, as: .http, frame: .http(draft))
        }),
        DirectiveSpec("server", [.http], .none, block: true, .custom { builder, directive in
            let draft = ServerDraft(location: directive.location)
            builder.http!.servers.append(draft)
            try builder.runBlock(directive, as: .server, frame: .server(draft)) {
                builder.buildsHashTable(.types)
                builder.buildsHashTable(.proxyHeaders)
            }
        }),
        DirectiveSpec("location", [.server, .location], .range(1, 2), block: true, .custom(location)),
        DirectiveSpec("limit_except", [.location], .atLeast(1), block: true, .custom(limitExcept)),
        DirectiveSpec("upstream", [.http], .exactly(1), block: true, .custom { builder, directive in
            let name = directive.arguments[0].text
            // Upstream names compare case-insensitively in nginx: `upstream App` and `upstream app` are one name.
            if !builder.http!.upstreamNames.insert(name.lowercased()).inserted {
                throw ConfigError("duplicate upstream \"\(name)\"", at: directive.location)
            }
            let draft = UpstreamDraft(name: name, location: directive.location)
            builder.http!.upstreams.append(draft)
            try builder.runBlock(directive, as: .upstream, frame: .upstream(draft))
            if draft.servers.isEmpty {
                throw ConfigError("no servers are inside upstream", at: directive.location)
            }
        }),
        DirectiveSpec("map", [.http], .exactly(2), block: true, .custom { builder, directive in
            let source = try Values.template(directive, directive.arguments[0])
            let draft = MapDraft(source: source, variable: try definedVariable(directive, directive.arguments[1]),
                                 location: directive.location)
            try builder.runBlock(directive, as: .map, frame: .entries(draft))
            builder.http!.maps.append(draft.freeze())
        }),
        DirectiveSpec("split_clients", [.http], .exactly(2), block: true, .custom { builder, directive in
            let draft = SplitClientsDraft(source: try Values.template(directive, directive.arguments[0]),
                                          variable: try definedVariable(directive, directive.arguments[1]),
                                          location: directive.location)
            try builder.runBlock(directive, as: .map, frame: .entries(draft))
            builder.http!.splitClients.append(try draft.freeze())
        }),
        DirectiveSpec("geo", [.http], .range(1, 2), block: true, .custom { builder, directive in
            let args = directive.arguments
            if args.count == 2 && args[0].text.isEmpty {
                throw ConfigError("invalid variable name \"\"", at: directive.location)
            }
            let draft = GeoDraft(source: args.count == 2 ? try Values.template(directive, args[0]) : nil,
                                 variable: try definedVariable(directive, args[args.count - 1]),
                                 location: directive.location)
            try builder.runBlock(directive, as: .map, frame: .entries(draft))
            builder.http!.geos.append(draft.freeze())
        }),
        DirectiveSpec("charset_map", [.http], .exactly(2), block: true, .custom(CharsetMapDraft.directive)),
        DirectiveSpec("types", anyHTTPLevel, .none, block: true, DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.content.$types)]) {
            builder, directive in
            // A level's own `types {}` replaces the inherited map instead of extending it.
            if !builder.settings.content.$types.isSet { builder.settings.content.$types.set(MimeTypes()) }
            builder.buildsHashTable(.types)
            try builder.runBlock(directive, as: .types, frame: .types)
        }),
        DirectiveSpec("listen", [.server], .atLeast(1), .custom { builder, directive in
            let (listens, setsSocketOptions) = try ListenParser.parse(directive, builder: builder)
            for listen in listens {
                // nginx refuses one server listening twice on an address (`*:80` and `0.0.0.0:80` are the same one).
                if builder.currentServer!.listens.contains(where: { $0.address.description == listen.address.description }) {
                    throw ConfigError("a duplicate listen \(listen.address)", at: directive.location)
                }
                // One socket per address: nginx takes its options from one `listen`, whichever server it is in.
                if setsSocketOptions && !builder.http!.addressesWithOptions.insert(listen.address.description).inserted {
                    throw ConfigError("duplicate listen options for \(listen.address)", at: directive.location)
                }
                builder.currentServer!.listens.append(listen)
            }
        }),
        DirectiveSpec("server_name", [.server], .atLeast(1), .custom { builder, directive in
            for argument in directive.arguments {
                builder.currentServer!.names.append(try serverName(argument.text, directive, builder))
            }
        }),
        ]
    }

    /// The `$name` a map-like block defines, without the `$`.
    private static func definedVariable(_ directive: Directive, _ argument: Argument) throws -> String {
        let target = argument.text
        guard target.hasPrefix("$"), target.count > 1 else {
            throw ConfigError("invalid variable name \"\(target)\"", at: directive.location)
        }
        return String(target.dropFirst())
    }

    private static func serverName(_ text: String, _ directive: Directive, _ builder: ConfigBuilder) throws -> ServerName {
        if text.hasPrefix("~") {
            let pattern = String(text.dropFirst())
            try builder.checkRegex(pattern, caseInsensitive: true, at: directive.location)
            return .regex(pattern, directive.location)
        }
        let name = text.lowercased()
        let stars = name.filter { $0 == "*" }.count
        if name.hasPrefix("*.") && stars == 1 { return .wildcardPrefix(name) }
        if name.hasSuffix(".*") && stars == 1 { return .wildcardSuffix(name) }
        if stars > 0 {
            throw ConfigError("invalid server name or wildcard \"\(text)\"", at: directive.location)
        }
        if name.hasPrefix(".") && name.count > 1 { return .wildcardPrefix(name) }
        return .exact(name)
    }

    /// `location [=|~|~*|^~] uri { … }` and `location @name { … }`, with nginx's nesting rules.
    private static func location(_ builder: ConfigBuilder, _ directive: Directive) throws {
        let arguments = directive.arguments.map(\.text)
        let match: LocationMatch
        if arguments.count == 2 {
            let uri = arguments[1]
            switch arguments[0] {
            case "=": match = .exact(uri)
            case "^~": match = .prefixNoRegex(uri)
            case "~": match = .regex(uri, caseInsensitive: false)
            case "~*": match = .regex(uri, caseInsensitive: true)
            default: throw ConfigError("invalid location modifier \"\(arguments[0])\"", at: directive.location)
            }
        } else {
            let text = arguments[0]
            if text.hasPrefix("=") {
                match = .exact(String(text.dropFirst()))
            } else if text.hasPrefix("^~") {
                match = .prefixNoRegex(String(text.dropFirst(2)))
            } else if text.hasPrefix("~*") {
                match = .regex(String(text.dropFirst(2)), caseInsensitive: true)
            } else if text.hasPrefix("~") {
                match = .regex(String(text.dropFirst()), caseInsensitive: false)
            } else if text.hasPrefix("@") {
                match = .named(text)
            } else {
                match = .prefix(text)
            }
        }
        if case .regex(let pattern, let caseInsensitive) = match {
            try builder.checkRegex(pattern, caseInsensitive: caseInsensitive, at: directive.location)
        }
        let draft = LocationDraft(match: match, location: directive.location)
        if let parent = builder.currentLocation {
            try checkNesting(draft.match, inside: parent.match, at: directive.location)
            try checkDuplicate(match, among: &parent.nestedKeys, at: directive.location)
            parent.nested.append(draft)
        } else {
            let server = builder.currentServer!
            try checkDuplicate(match, among: &server.locationKeys, at: directive.location)
            server.locations.append(draft)
        }
        try builder.runBlock(directive, as: .location, frame: .location(draft))
    }

    private static func checkNesting(_ child: LocationMatch, inside parent: LocationMatch, at location: SourceLocation) throws {
        let childName = LocationDraft.name(of: child)
        switch parent {
        case .exact(let name):
            throw ConfigError("location \"\(childName)\" cannot be inside the exact location \"\(name)\"", at: location)
        case .named(let name):
            throw ConfigError("location \"\(childName)\" cannot be inside the named location \"\(name)\"", at: location)
        case .prefix(let name), .prefixNoRegex(let name), .regex(let name, _):
            if case .named = child {
                throw ConfigError("named location \"\(childName)\" can be on the server level only", at: location)
            }
            // nginx compares a non-regex child with the parent's name as written, a regex parent's pattern too: so
            // `location ~ ^/a { location /b {} }` is outside it (and `location ^/a…` would not be).
            switch child {
            case .exact(let path), .prefix(let path), .prefixNoRegex(let path):
                if !path.hasPrefix(name) {
                    throw ConfigError("location \"\(path)\" is outside location \"\(name)\"", at: location)
                }
            default: break
            }
        }
    }

    /// `siblings`: the keys of the locations before this one at its level. A set: comparing each new location with
    /// every earlier one made a server of n locations take time in n² (5 s for 20,000).
    private static func checkDuplicate(_ match: LocationMatch, among siblings: inout Set<String>,
                                       at location: SourceLocation) throws {
        let own: String
        switch match {
        case .exact(let path): own = "=" + path
        case .prefix(let path), .prefixNoRegex(let path): own = "/" + path
        // nginx checks no duplicate named location: the first of a name is the one found (RuntimeBuilder).
        case .named, .regex: return
        }
        if !siblings.insert(own).inserted {
            throw ConfigError("duplicate location \"\(LocationDraft.name(of: match))\"", at: location)
        }
    }
}

extension LocationDraft {
    static func name(of match: LocationMatch) -> String {
        switch match {
        case .exact(let s), .prefix(let s), .prefixNoRegex(let s), .named(let s): return s
        case .regex(let s, _): return s
        }
    }
}

extension DirectiveTable {
    /// `limit_except GET POST { … }` in a location: once per location, known methods only.
    private static func limitExcept(_ builder: ConfigBuilder, _ directive: Directive) throws {
        guard let owner = builder.currentLocation else {
            throw ConfigError("\"limit_except\" directive is not allowed here", at: directive.location)
        }
        if owner.limitExcept != nil { throw ConfigError("\"limit_except\" directive is duplicate", at: directive.location) }
        var methods: Set<String> = []
        for argument in directive.arguments {
            let name = argument.text.uppercased()
            guard LimitExcept.knownMethods.contains(name) else {
                throw ConfigError("invalid method \"\(argument.text)\"", at: directive.location)
            }
            methods.insert(name)
            if name == "GET" { methods.insert("HEAD") }
        }
        let draft = LocationDraft(match: .named("limit_except"), location: directive.location)
        try builder.runBlock(directive, as: .limitExcept, frame: .location(draft))
        owner.limitExcept = (methods.sorted(), draft)
    }
}
