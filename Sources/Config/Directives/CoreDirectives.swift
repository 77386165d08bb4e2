/// Main-context and events directives.
extension DirectiveTable {
    static var core: [DirectiveSpec] {
        [
        DirectiveSpec("worker_processes", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            let text = directive.arguments[0].text
            if text == "auto" {
                builder.main.workerProcesses = .auto
            } else {
                let count = try Values.number(directive, directive.arguments[0])
                builder.main.workerProcesses = .count(count)
            }
        }),
        DirectiveSpec("worker_rlimit_nofile", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.main.workerRlimitNofile = try Values.number(directive, directive.arguments[0])
        }),
        DirectiveSpec("worker_rlimit_core", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.main.workerRlimitCore = try Values.offset(directive, directive.arguments[0])   // nginx: an offset slot
        }),
        DirectiveSpec("working_directory", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.main.workingDirectory = builder.absolutePath(directive.arguments[0].text)
        }),
        DirectiveSpec("env", [.main], .exactly(1), .custom { builder, directive in
            let text = directive.arguments[0].text
            guard let eq = text.firstIndex(of: "=") else { return }   // kept: switchyard keeps its environment
            builder.main.environment.append((String(text[..<eq]), String(text[text.index(after: eq)...])))
        }),
        // nginx's dynamic modules are shared objects built against nginx; switchyard loads none. The line is
        // accepted (Debian's modules-enabled/*.conf holds one per installed module package) and the module's
        // directives stay unknown, so a configuration that uses one still fails on it.
        DirectiveSpec("load_module", [.main], .exactly(1), .custom { builder, directive in
            builder.warn("switchyard has no dynamic modules: \"\(directive.arguments[0].text)\" is not loaded",
                         at: directive.location)
        }),
        DirectiveSpec("pid", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            // Empty is nginx's unset: the default path stays (ngx_core_module_init_conf).
            let path = directive.arguments[0].text
            if !path.isEmpty { builder.main.pidPath = builder.absolutePath(path) }
        }),
        DirectiveSpec("daemon", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.main.daemon = try Values.flag(directive)
        }),
        DirectiveSpec("master_process", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.main.masterProcess = try Values.flag(directive)
        }),
        DirectiveSpec("user", [.main], .range(1, 2), .custom { builder, directive in
            try builder.once(directive)
            let user = (name: directive.arguments[0].text, group: directive.arguments.count > 1 ? directive.arguments[1].text : nil)
            guard UserLookup.isRoot else {
                builder.warn("the \"user\" directive makes sense only if the master process runs with super-user privileges, ignored", at: directive.location)
                return
            }
            if let problem = UserLookup.problem(user: user.name, group: user.group) { throw ConfigError(problem, at: directive.location) }
            builder.main.user = user
        }),
        DirectiveSpec("worker_shutdown_timeout", [.main], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.main.workerShutdownTimeout = try Values.milliseconds(directive, directive.arguments[0])
        }),
        DirectiveSpec("error_log", [.main], .range(1, 2), .custom { builder, directive in
            builder.main.errorLogs.append(try errorLog(builder, directive))
        }),
        DirectiveSpec("error_log", anyHTTPLevel, .range(1, 2), .append(\.modules.logging.$errorLogs) { builder, directive in
            [try errorLog(builder, directive)]
        }),
        ]
    }

    static var events: [DirectiveSpec] {
        [
        DirectiveSpec("events", [.main], .none, block: true, .custom { builder, directive in
            if builder.events != nil {
                throw ConfigError("\"events\" directive is duplicate", at: directive.location)
            }
            builder.events = EventsConfig()
            try builder.runBlock(directive, as: .events, frame: .events)
        }),
        DirectiveSpec("worker_connections", [.events], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.events!.workerConnections = try Values.number(directive, directive.arguments[0])
        }),
        DirectiveSpec("use", [.events], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            let method = directive.arguments[0].text
            let known = ["epoll", "poll", "select", "kqueue", "devpoll", "eventport"]
            guard known.contains(method) else {
                throw ConfigError("invalid event type \"\(method)\"", at: directive.location)
            }
            builder.events!.method = method
        }),
        DirectiveSpec("multi_accept", [.events], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.events!.multiAccept = try Values.flag(directive)
        }),
        DirectiveSpec("accept_mutex", [.events], .exactly(1), .custom { builder, directive in
            try builder.once(directive)
            builder.events!.acceptMutex = try Values.flag(directive)
        }),
        ]
    }

    /// `error_log file|stderr|"" [level]`.
    static func errorLog(_ builder: ConfigBuilder, _ directive: Directive) throws -> ErrorLog {
        let target = directive.arguments[0].text
        var level = LogLevel.error
        if directive.arguments.count > 1 {
            let text = directive.arguments[1].text
            guard let parsed = LogLevel(rawValue: text) else {
                throw ConfigError("invalid log level \"\(text)\"", at: directive.location)
            }
            level = parsed
        }
        if target.hasPrefix("syslog:") {
            return ErrorLog(path: target, level: level, syslog: try syslog(target, directive))
        }
        // nginx's ngx_conf_open_file: an empty name is the standard error, as `stderr` is.
        return ErrorLog(path: target == "stderr" || target.isEmpty ? "stderr" : builder.absolutePath(target), level: level)
    }

    /// The `syslog:…` target of an error_log or access_log line, nginx's message when it is wrong.
    static func syslog(_ target: String, _ directive: Directive) throws -> SyslogTarget {
        do { return try SyslogTarget.parse(String(target.dropFirst(7))) } catch {
            throw ConfigError(error.message, at: directive.location)
        }
    }
}
