import EventLoop

/// `-v` and `-V` text in the form nginx tooling parses.
enum VersionInfo {
    static let nginxVersion = "1.22.1"
    static let switchyardVersion = "0.1.0"

    static func lines(configure: Bool) -> [String] {
        var lines = ["nginx version: nginx/\(nginxVersion) (switchyard/\(switchyardVersion))"]
        if configure {
            lines.append("built by \(compiler)")
            lines.append("built with \(TLSContext.libraryVersion)")
            lines.append("TLS SNI support enabled")
            lines.append("configure arguments: "
                         + (InstallPaths.configureArguments + NginxModule.configureArguments).joined(separator: " "))
        }
        return lines
    }

    private static var compiler: String {
        #if compiler(>=6.3)
        "swiftc 6.3"
        #elseif compiler(>=6.2)
        "swiftc 6.2"
        #elseif compiler(>=6.1)
        "swiftc 6.1"
        #else
        "swiftc 6.0"
        #endif
    }
}

/// The one table of nginx http modules and whether switchyard implements them; `-V` derives
/// `--without-…` (default modules switchyard lacks) and `--with-…` (optional ones it has) from it.
/// Flip `implemented` in the same commit that lands a feature.
struct NginxModule {
    let name: String
    /// Built by nginx's configure unless `--without-…` is given.
    let builtByDefault: Bool
    let implemented: Bool

    static let all: [NginxModule] = [
        NginxModule(name: "http_charset_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_gzip_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_ssi_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_userid_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_access_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_auth_basic_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_mirror_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_autoindex_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_geo_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_map_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_split_clients_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_referer_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_rewrite_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_proxy_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_fastcgi_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_uwsgi_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_scgi_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_grpc_module", builtByDefault: true, implemented: false),
        NginxModule(name: "http_memcached_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_limit_conn_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_limit_req_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_empty_gif_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_browser_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_upstream_hash_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_upstream_ip_hash_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_upstream_least_conn_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_upstream_random_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_upstream_keepalive_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_upstream_zone_module", builtByDefault: true, implemented: true),
        NginxModule(name: "http_ssl_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_v2_module", builtByDefault: false, implemented: false),
        NginxModule(name: "http_realip_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_addition_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_sub_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_dav_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_gunzip_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_flv_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_gzip_static_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_auth_request_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_secure_link_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_random_index_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_slice_module", builtByDefault: false, implemented: true),
        NginxModule(name: "http_stub_status_module", builtByDefault: false, implemented: true),
    ]

    /// `--without-http_fastcgi_module`, `--with-http_stub_status_module`, … in table order, plus the
    /// session-routing module nginx needs as a third-party add-on.
    static var configureArguments: [String] {
        all.compactMap { module in
            if module.builtByDefault && !module.implemented { return "--without-\(module.name)" }
            if !module.builtByDefault && module.implemented { return "--with-\(module.name)" }
            return nil
        } + ["--add-module=nginx-upstream-jvm-route"]
    }
}
