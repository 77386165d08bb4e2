/// The directives the CGI-family modules share, one row set per module prefix (`fastcgi`, `uwsgi`, `scgi`)
/// filling that module's `CGIParamsSettings`: nginx declares the same slots in each module, with the same
/// arguments and defaults. The cache's rows (`*_cache*`, UpstreamCacheDirectives) fill its `cache`.
extension DirectiveTable {
    static func cgiFamily(_ prefix: String, _ family: WritableKeyPath<HTTPSettings, CGIParamsSettings>) -> [DirectiveSpec] {
        let any = anyHTTPLevel
        func at<Value>(_ path: WritableKeyPath<CGIParamsSettings, Setting<Value>>) -> SettingPath<Value> {
            family.appending(path: path)
        }
        let ignoreHeaders = at(\.$ignoreHeaders)
        return [
        DirectiveSpec("\(prefix)_param", any, .range(2, 3), .append(at(\.$params)) { _, directive in
            let arguments = directive.arguments
            if arguments.count == 3 && arguments[2].text != "if_not_empty" {
                throw ConfigError("invalid parameter \"\(arguments[2].text)\"", at: directive.location)
            }
            return [CGIParam(name: arguments[0].text, value: try Values.template(directive, arguments[1]),
                             ifNotEmpty: arguments.count == 3, location: directive.location)]
        }),
        DirectiveSpec("\(prefix)_hide_header", any, .exactly(1), .words(at(\.$hideHeaders))),
        DirectiveSpec("\(prefix)_pass_header", any, .exactly(1), .words(at(\.$passHeaders))),
        DirectiveSpec("\(prefix)_ignore_headers", any, .atLeast(1),
            DirectiveHandler(merges: [DirectiveHandler.merge(ignoreHeaders)]) { builder, directive in
                let known = ["X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering",
                             "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"]
                let current = DirectiveHandler.read(&builder.settings[keyPath: ignoreHeaders])
                var names = current.isSet ? current.wrappedValue : []
                try Values.addFlags(builder, directive, to: &names) { word in
                    known.first { $0.lowercased() == word.lowercased() }
                }
                builder.settings[keyPath: ignoreHeaders].set(names)
            }),
        DirectiveSpec("\(prefix)_next_upstream", any, .atLeast(1), .accumulate(at(\.$nextUpstream)) {
            builder, directive, current in
            try bitmaskWithOff(builder, directive, current) { NextUpstreamCondition(rawValue: $0) }
        }),
        DirectiveSpec("\(prefix)_next_upstream_tries", any, .exactly(1), .number(at(\.$nextUpstreamTries))),
        DirectiveSpec("\(prefix)_next_upstream_timeout", any, .exactly(1), .milliseconds(at(\.$nextUpstreamTimeout))),
        DirectiveSpec("\(prefix)_connect_timeout", any, .exactly(1), .milliseconds(at(\.$connectTimeout))),
        DirectiveSpec("\(prefix)_send_timeout", any, .exactly(1), .milliseconds(at(\.$sendTimeout))),
        DirectiveSpec("\(prefix)_read_timeout", any, .exactly(1), .milliseconds(at(\.$readTimeout))),
        DirectiveSpec("\(prefix)_buffer_size", any, .exactly(1), .size(at(\.$bufferSize))),
        DirectiveSpec("\(prefix)_buffers", any, .exactly(2), .bufferCount(at(\.$buffers))),
        DirectiveSpec("\(prefix)_busy_buffers_size", any, .exactly(1), .size(at(\.$busyBuffersSize))),
        DirectiveSpec("\(prefix)_temp_file_write_size", any, .exactly(1), .size(at(\.$tempFileWriteSize))),
        // No temp files are written: the value only meets nginx's check against the buffers.
        DirectiveSpec("\(prefix)_max_temp_file_size", any, .exactly(1), .size(at(\.$maxTempFileSize)).noticedIgnored),
        DirectiveSpec("\(prefix)_intercept_errors", any, .exactly(1), .flag(at(\.$interceptErrors))),
        DirectiveSpec("\(prefix)_force_ranges", any, .exactly(1), .flag(at(\.$forceRanges))),
        DirectiveSpec("\(prefix)_limit_rate", any, .exactly(1), .size(at(\.$limitRate))),
        DirectiveSpec("\(prefix)_bind", any, .range(1, 2), .value(at(\.$bind)) { _, d in try bind(d) }),
        DirectiveSpec("\(prefix)_socket_keepalive", any, .exactly(1), .flag(at(\.$socketKeepalive))),
        DirectiveSpec("\(prefix)_ignore_client_abort", any, .exactly(1), .flag(at(\.$ignoreClientAbort))),
        DirectiveSpec("\(prefix)_pass_request_headers", any, .exactly(1), .flag(at(\.$passRequestHeaders))),
        DirectiveSpec("\(prefix)_pass_request_body", any, .exactly(1), .flag(at(\.$passRequestBody))),
        DirectiveSpec("\(prefix)_request_buffering", any, .exactly(1), .flag(at(\.$requestBuffering))),
        ] + upstreamCache(CacheModule(rawValue: prefix)!, family.appending(path: \.cache))
    }
}
