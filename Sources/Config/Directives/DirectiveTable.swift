/// Every directive switchyard understands, one row each; the modules' rows live in their own files.
enum DirectiveTable {
    static var all: [DirectiveSpec] {
        core + events + blocks + http + proxy + gzip + rewrite + upstream
    }

    /// The rows by name, built once per process rather than on every load (building it was a sixth of a
    /// `-t` and of each reload). `nonisolated(unsafe)` because the handlers are closures not declared
    /// `@Sendable`; they capture only key paths and constants and are never mutated, and a static `let` is
    /// initialized exactly once (swift_once) before any thread reads it.
    nonisolated(unsafe) static let byName: [String: [DirectiveSpec]] = Dictionary(grouping: all, by: \.name)
}

/// nginx directives that mean nothing to switchyard: accepted with one `[notice]` per name.
/// An explicit list, never a catch-all: anything else unknown is an error.
enum IgnoredDirectives {
    static let names: Set<String> = [
        // FastCGI tuning (the reference config sets these with no FastCGI backend).
        "fastcgi_connect_timeout", "fastcgi_send_timeout", "fastcgi_read_timeout", "fastcgi_buffer_size",
        "fastcgi_buffers", "fastcgi_busy_buffers_size", "fastcgi_temp_file_write_size", "fastcgi_intercept_errors",
        // TCP_CORK only matters together with sendfile(2) for static files.
        "tcp_nopush",
        // Hash table sizing: switchyard's tables grow on their own.
        "server_names_hash_max_size", "server_names_hash_bucket_size", "types_hash_max_size",
        "types_hash_bucket_size", "variables_hash_max_size", "variables_hash_bucket_size",
        "proxy_headers_hash_max_size", "proxy_headers_hash_bucket_size", "map_hash_max_size", "map_hash_bucket_size",
        // File I/O tuning for static files, which switchyard does not serve.
        "open_file_cache", "open_file_cache_valid", "open_file_cache_min_uses", "open_file_cache_errors",
        "aio", "directio", "output_buffers", "postpone_output", "sendfile_max_chunk",
        // Scheduling knobs of nginx's own process model.
        "worker_cpu_affinity", "worker_priority", "accept_mutex_delay", "timer_resolution",
    ]
}
