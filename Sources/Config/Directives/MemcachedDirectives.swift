/// ngx_http_memcached_module directives: `memcached_pass`, `memcached_gzip_flag`, and the upstream rows nginx's
/// module has (timeouts, retries, the buffer that holds the `VALUE` line), filling the family's slots.
extension DirectiveTable {
    static var memcached: [DirectiveSpec] {
        let any = anyHTTPLevel
        func at<Value>(_ path: WritableKeyPath<CGIParamsSettings, Setting<Value>>) -> SettingPath<Value> {
            let family: WritableKeyPath<HTTPSettings, CGIParamsSettings> = \HTTPSettings.modules.memcached.family
            return family.appending(path: path)
        }
        return [
        DirectiveSpec("memcached_pass", [.location], .exactly(1), .custom { builder, directive in
            try setHandler(builder, directive, .cgi(.memcached, try CGIPassParser.parse(directive, .memcached)))
        }),
        DirectiveSpec("memcached_gzip_flag", any, .exactly(1), .number(\.modules.memcached.$gzipFlag)),
        DirectiveSpec("memcached_next_upstream", any, .atLeast(1), .accumulate(at(\.$nextUpstream)) {
            builder, directive, current in
            // memcached's own words: an answer that is not memcached's, and a miss (the next server may hold it).
            try bitmaskWithOff(builder, directive, current) { word -> NextUpstreamCondition? in
                switch word {
                case "error": .error
                case "timeout": .timeout
                case "invalid_response": .invalidHeader
                case "not_found": .http404
                default: nil
                }
            }
        }),
        DirectiveSpec("memcached_next_upstream_tries", any, .exactly(1), .number(at(\.$nextUpstreamTries))),
        DirectiveSpec("memcached_next_upstream_timeout", any, .exactly(1), .milliseconds(at(\.$nextUpstreamTimeout))),
        DirectiveSpec("memcached_connect_timeout", any, .exactly(1), .milliseconds(at(\.$connectTimeout))),
        DirectiveSpec("memcached_send_timeout", any, .exactly(1), .milliseconds(at(\.$sendTimeout))),
        DirectiveSpec("memcached_read_timeout", any, .exactly(1), .milliseconds(at(\.$readTimeout))),
        DirectiveSpec("memcached_buffer_size", any, .exactly(1), .size(at(\.$bufferSize))),
        DirectiveSpec("memcached_bind", any, .range(1, 2), .value(at(\.$bind)) { _, d in try bind(d) }),
        DirectiveSpec("memcached_socket_keepalive", any, .exactly(1), .flag(at(\.$socketKeepalive))),
        ]
    }
}
