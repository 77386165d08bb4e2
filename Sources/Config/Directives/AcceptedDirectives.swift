/// nginx directives that mean nothing to switchyard (its tables size themselves, it has no pools):
/// accepted where nginx accepts them, their arguments checked as nginx checks them, and named once in a
/// `[notice]`. An explicit list, never a catch-all: anything else unknown is an error.
extension DirectiveTable {
    static var accepted: [DirectiveSpec] {
        let any = anyHTTPLevel
        let server: Set<ConfigContext> = [.http, .server]
        return [
        // FastCGI, uwsgi and SCGI response buffering: the answer streams through one bounded buffer, as
        // proxy_pass's does.
        ignored("fastcgi_buffering", any, .exactly(1), .flag),
        ignored("fastcgi_temp_path", any, .range(1, 4), .tempPath),
        ignored("uwsgi_buffering", any, .exactly(1), .flag),
        ignored("uwsgi_temp_path", any, .range(1, 4), .tempPath),
        ignored("scgi_buffering", any, .exactly(1), .flag),
        ignored("scgi_temp_path", any, .range(1, 4), .tempPath),
        // TCP_CORK only matters together with sendfile(2) for static files.
        ignored("tcp_nopush", any, .exactly(1), .flag),
        // Hash table sizing: switchyard's tables grow on their own. A 0 is remembered: nginx cannot build the table
        // with it, and refuses the configuration when it has one to build (ConfigBuilder+HashSizes.swift).
        ignored("server_names_hash_max_size", [.http], .exactly(1), .hashSize),
        ignored("server_names_hash_bucket_size", [.http], .exactly(1), .hashSize),
        ignored("variables_hash_max_size", [.http], .exactly(1), .hashSize),
        ignored("variables_hash_bucket_size", [.http], .exactly(1), .hashSize),
        ignored("map_hash_max_size", [.http], .exactly(1), .hashSize),
        ignored("map_hash_bucket_size", [.http], .exactly(1), .hashSize),
        ignored("types_hash_max_size", any, .exactly(1), .levelHashSize),
        ignored("types_hash_bucket_size", any, .exactly(1), .levelHashSize),
        ignored("proxy_headers_hash_max_size", any, .exactly(1), .levelHashSize),
        ignored("proxy_headers_hash_bucket_size", any, .exactly(1), .levelHashSize),
        // Memory pools: switchyard allocates per connection and request without nginx's pools.
        ignored("request_pool_size", server, .exactly(1), .poolSize),
        // File I/O tuning for static files.
        ignored("open_file_cache", any, .range(1, 2), .openFileCache),
        ignored("open_file_cache_valid", any, .exactly(1), .seconds),
        ignored("open_file_cache_min_uses", any, .exactly(1), .number),
        ignored("open_file_cache_errors", any, .exactly(1), .flag),
        ignored("aio", any, .exactly(1), .aio),
        ignored("aio_write", any, .exactly(1), .flag),
        ignored("open_file_cache_events", any, .exactly(1), .flag),   // kqueue's file events: nothing to do on Linux
        ignored("directio", any, .exactly(1), .offsetOrOff),
        ignored("directio_alignment", any, .exactly(1), .offset),
        ignored("read_ahead", any, .exactly(1), .size),
        ignored("sendfile_max_chunk", any, .exactly(1), .size),
        // Output shaping of nginx's buffer chains: switchyard writes each piece as it is produced.
        ignored("output_buffers", any, .exactly(2), .buffers),
        ignored("postpone_output", any, .exactly(1), .size),
        // SO_SNDLOWAT cannot be set on Linux: nginx warns "… is not supported, ignored" for these, and so does switchyard.
        unsupported("send_lowat", any, .exactly(1), .size),
        unsupported("proxy_send_lowat", any, .exactly(1), .size),
        unsupported("fastcgi_send_lowat", any, .exactly(1), .size),
        // Subrequests (SSI includes) are never logged, nginx's default.
        ignored("client_body_in_single_buffer", any, .exactly(1), .flag),
        // Scheduling knobs of nginx's own process model.
        ignored("worker_cpu_affinity", [.main], .atLeast(1), .cpuAffinity),
        ignored("worker_priority", [.main], .exactly(1), .priority, .many),   // its check counts nonzero ones
        ignored("timer_resolution", [.main], .exactly(1), .msec),
        // Every regex is JIT-compiled where pcre2 can, `pcre_jit off` or not (the same answers either way).
        ignored("pcre_jit", [.main], .exactly(1), .flag),
        // Thread pools serve `aio threads`, and switchyard does no aio (`aio` is accepted the same way).
        ignored("thread_pool", [.main], .range(2, 3), .threadPool, .many),   // one per name, in its check
        // The accept mutex's lock file: switchyard's workers are threads, with no accept mutex.
        ignored("lock_file", [.main], .exactly(1), .text),
        ignored("debug_points", [.main], .exactly(1), .words(["stop", "abort"])),
        ignored("accept_mutex_delay", [.events], .exactly(1), .msec),
        // Debug logging for some clients only: switchyard has no debug level (nginx built without --with-debug
        // ignores it too).
        ignored("debug_connection", [.events], .exactly(1), .debugConnection, .many),   // a list: one per address
        // Sizing of nginx's epoll and aio batches, and its undocumented gzip buffering knobs.
        ignored("epoll_events", [.events], .exactly(1), .number),
        ignored("worker_aio_requests", [.events], .exactly(1), .number),
        ignored("gzip_no_buffer", any, .exactly(1), .flag),
        ignored("ssi_ignore_recycled_buffers", any, .exactly(1), .flag),
        ignored("postpone_gzipping", any, .exactly(1), .size),
        // ngx_http_v2_module's settings, in TLS configurations beside `listen … http2`: HTTP/2 is not served yet,
        // so they are checked and covered by the one notice that says so.
        http2("http2_recv_buffer_size", [.http], .exactly(1), .size),
        http2("http2_pool_size", server, .exactly(1), .size),
        http2("http2_streams_index_size", server, .exactly(1), .number),
        http2("http2_max_concurrent_streams", server, .exactly(1), .number),
        http2("http2_max_concurrent_pushes", server, .exactly(1), .number),
        http2("http2_max_requests", server, .exactly(1), .number, .many, obsoleteFor: "keepalive_requests"),
        http2("http2_max_field_size", server, .exactly(1), .size, .many, obsoleteFor: "large_client_header_buffers"),
        http2("http2_max_header_size", server, .exactly(1), .size, .many, obsoleteFor: "large_client_header_buffers"),
        http2("http2_body_preread_size", server, .exactly(1), .size),
        http2("http2_idle_timeout", server, .exactly(1), .msec, .many, obsoleteFor: "keepalive_timeout"),
        http2("http2_recv_timeout", server, .exactly(1), .msec, .many, obsoleteFor: "client_header_timeout"),
        http2("http2_chunk_size", any, .exactly(1), .size),
        http2("http2_push_preload", any, .exactly(1), .flag),
        http2("http2_push", any, .exactly(1), .http2Push, .many),
        ]
    }

    /// An HTTP/2 setting: its arguments checked, and the notice that HTTP/2 is not served (once, as `http2`'s).
    /// `obsoleteFor`: nginx 1.19.7 made it obsolete (a repeat is not refused) and warns which directive replaced it.
    static func http2(_ name: String, _ contexts: Set<ConfigContext>, _ arity: Arity, _ check: ArgumentCheck,
                      _ repeats: Repeats = .duplicate, obsoleteFor replacement: String? = nil) -> DirectiveSpec {
        withoutEffect(name, contexts, arity, check, repeats) { builder, directive in
            if let replacement {
                builder.warn("the \"\(name)\" directive is obsolete, use the \"\(replacement)\" directive instead",
                             at: directive.location)
            }
            builder.noticeHTTP2(at: directive.location)
        }
    }

    /// A setting nginx cannot apply on Linux and says so: `"NAME" is not supported, ignored` at [warn].
    static func unsupported(_ name: String, _ contexts: Set<ConfigContext>, _ arity: Arity, _ check: ArgumentCheck)
        -> DirectiveSpec {
        withoutEffect(name, contexts, arity, check) { builder, directive in
            builder.warn("\"\(name)\" is not supported, ignored", at: directive.location)
        }
    }

    /// A second use at one level: nginx's slots (`ngx_conf_set_*_slot` and most handlers) refuse it as "is
    /// duplicate"; `many` for the few that take repeats or check them their own way.
    enum Repeats { case duplicate, many }

    /// How an accepted directive's arguments are checked (nginx's `ngx_conf_set_*_slot` it would use).
    enum ArgumentCheck {
        /// `size` takes k and m (nginx's size slot), `offset` g too (its offset slot).
        case flag, size, offset, msec, seconds, number, buffers, offsetOrOff, poolSize, openFileCache, aio, cpuAffinity, priority
        /// `path [level1 [level2 [level3]]]`, nginx's ngx_conf_set_path_slot: each level 1 or 2 digits of the name.
        case tempPath
        case words(Set<String>)
        /// Any one word (a path).
        case text
        /// `name threads=N [max_queue=N]`, nginx's ngx_thread_pool.
        case threadPool
        /// `off` or a URI, repeated: URIs add up, `off` stands alone.
        case http2Push
        /// `unix:`, an address or block, or a host name (nginx resolves it, and says when it cannot).
        case debugConnection
        /// A number; 0 is remembered for the check of the tables nginx builds (`ConfigBuilder.zeroHashSizes`).
        case hashSize
        /// The same for a table built per level (`LevelHashTables`).
        case levelHashSize
    }

    static func ignored(_ name: String, _ contexts: Set<ConfigContext>, _ arity: Arity, _ check: ArgumentCheck,
                        _ repeats: Repeats = .duplicate) -> DirectiveSpec {
        withoutEffect(name, contexts, arity, check, repeats) { builder, directive in builder.noticeIgnored(directive) }
    }

    /// A directive accepted without effect: its arguments checked as nginx checks them, a second one at the same
    /// level refused as nginx refuses it, then `notice` says so.
    static func withoutEffect(_ name: String, _ contexts: Set<ConfigContext>, _ arity: Arity, _ check: ArgumentCheck,
                              _ repeats: Repeats = .duplicate,
                              notice: @escaping (ConfigBuilder, Directive) -> Void) -> DirectiveSpec {
        DirectiveSpec(name, contexts, arity, .custom { builder, directive in
            if repeats == .duplicate { try builder.once(directive, scope: builder.levelScope) }
            try checkArguments(builder, directive, check)
            notice(builder, directive)
        })
    }

    static func checkArguments(_ builder: ConfigBuilder, _ directive: Directive, _ check: ArgumentCheck) throws {
        let arguments = directive.arguments
        let first = arguments[0].text
        switch check {
        case .flag: _ = try Values.flag(directive)
        case .size: _ = try Values.size(directive, arguments[0])
        case .offset: _ = try Values.offset(directive, arguments[0])
        case .msec: _ = try Values.milliseconds(directive, arguments[0])
        case .seconds: _ = try Values.seconds(directive, arguments[0])
        case .number: _ = try Values.number(directive, arguments[0])
        case .hashSize:
            if try Values.number(directive, arguments[0]) == 0 { builder.zeroHashSizes.insert(directive.name) }
        case .levelHashSize:
            builder.sizesHashTable(directive, isZero: try Values.number(directive, arguments[0]) == 0)
        case .buffers: _ = try Values.bufferCount(directive)
        case .tempPath:
            _ = try Values.pathLevels(directive)
        case .offsetOrOff:
            if first != "off" { _ = try Values.offset(directive, arguments[0]) }
        case .poolSize:
            // ngx_http_core_pool_size: at least NGX_MIN_POOL_SIZE (112 on 64-bit), a multiple of 16.
            let size = try Values.size(directive, arguments[0])
            if size < 112 { throw ConfigError("the pool size must be no less than 112", at: directive.location) }
            if size % 16 != 0 { throw ConfigError("the pool size must be a multiple of 16", at: directive.location) }
        case .openFileCache:
            try fileCacheParameters(directive, counts: ["max"], times: ["inactive"], positiveMax: true,
                                    missingMax: "\"open_file_cache\" must have the \"max\" parameter")
        case .aio:
            guard first == "on" || first == "off" || first == "threads" || first.hasPrefix("threads=") else {
                throw ConfigError("invalid value \"\(first)\" in \"aio\" directive, it must be \"on\", \"off\" or \"threads\"",
                                  at: directive.location)
            }
        case .cpuAffinity:
            if arguments.count == 1 && first == "auto" { return }
            for argument in arguments where argument.text != "auto" {
                guard !argument.text.isEmpty, argument.text.utf8.allSatisfy({ $0 == 48 || $0 == 49 }) else {
                    throw ConfigError("invalid character \"\(argument.text)\" in \"worker_cpu_affinity\"", at: directive.location)
                }
            }
        case .priority:
            var digits = Substring(first)
            if digits.hasPrefix("-") || digits.hasPrefix("+") { digits = digits.dropFirst() }
            // nginx refuses a second one only after a nonzero priority (0 is its "unset").
            try builder.once(directive, marking: Int(digits) != 0)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), Int(digits) != nil else {
                throw ConfigError("invalid number \"\(first)\"", at: directive.location)
            }
        case .words(let allowed):
            guard allowed.contains(first) else {
                throw ConfigError("invalid value \"\(first)\" in \"\(directive.name)\" directive", at: directive.location)
            }
        case .text: break
        case .debugConnection:
            guard first == "unix:" || CIDR.parse(first) != .invalid || isHostName(first) else {
                throw ConfigError("host not found in debug_connection \"\(first)\"", at: directive.location)
            }
        case .threadPool:
            if !builder.firstTime("thread_pool " + first) {
                throw ConfigError("duplicate thread pool \"\(first)\"", at: directive.location)
            }
            var threads = false
            for argument in arguments.dropFirst() {
                let text = argument.text
                let value: Substring
                if text.hasPrefix("threads=") { value = text.dropFirst(8); threads = true }
                else if text.hasPrefix("max_queue=") { value = text.dropFirst(10) }
                else { throw ConfigError("invalid parameter \"\(text)\"", at: directive.location) }
                guard let n = Values.decimal(value), n > 0 || text.hasPrefix("max_queue=") && n == 0 else {
                    throw ConfigError("invalid \(text.hasPrefix("threads=") ? "threads" : "max_queue") value \"\(value)\"",
                                      at: directive.location)
                }
            }
            if !threads { throw ConfigError("\"\(directive.name)\" must have \"threads\" parameter", at: directive.location) }
        case .http2Push:
            let scope = builder.levelScope, off = first == "off"
            if off && !builder.firstTime(scope + " http2_push off") {
                throw ConfigError("\"http2_push\" directive is duplicate", at: directive.location)
            }
            if builder.seen(scope + (off ? " http2_push uri" : " http2_push off")) {
                throw ConfigError("\"http2_push\" directive " + (off ? "\"off\" parameter cannot be used with URI"
                                                                   : "URI cannot be used with \"off\" parameter"),
                                  at: directive.location)
            }
            if !off { _ = builder.firstTime(scope + " http2_push uri") }
        }
    }
}

extension ConfigBuilder {
    /// One `[notice]` per directive name that switchyard accepts without effect.
    func noticeIgnored(_ directive: Directive) {
        if noticedIgnored.insert(directive.name).inserted {
            notice("directive \"\(directive.name)\" has no effect in switchyard, ignored", at: directive.location)
        }
    }
}
