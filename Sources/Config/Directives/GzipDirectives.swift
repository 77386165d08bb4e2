/// ngx_http_gzip_module directives, ngx_http_gzip_static_module's `gzip_static` and ngx_http_gunzip_module's two
/// (the three modules share the client checks: gzip_http_version, gzip_proxied, gzip_disable, gzip_vary).
extension DirectiveTable {
    static var gzip: [DirectiveSpec] {
        [
        DirectiveSpec("gzip", anyHTTPLevel, .exactly(1), .flag(\.modules.gzip.$enabled)),
        DirectiveSpec("gzip_types", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.gzip.$types, Values.mimeTypes)),
        DirectiveSpec("gzip_min_length", anyHTTPLevel, .exactly(1), .size(\.modules.gzip.$minLength)),
        DirectiveSpec("gzip_comp_level", anyHTTPLevel, .exactly(1), .value(\.modules.gzip.$compLevel) { _, directive in
            let level = try Values.number(directive, directive.arguments[0])
            guard (1...9).contains(level) else {
                throw ConfigError("value must be between 1 and 9", at: directive.location)
            }
            return level
        }),
        DirectiveSpec("gzip_http_version", anyHTTPLevel, .exactly(1), .value(\.modules.gzip.$httpVersion) { _, directive in
            guard let version = HTTPVersion(rawValue: directive.arguments[0].text) else {
                throw ConfigError("invalid value \"\(directive.arguments[0].text)\"", at: directive.location)
            }
            return version
        }),
        DirectiveSpec("gzip_vary", anyHTTPLevel, .exactly(1), .flag(\.modules.gzip.$vary)),
        DirectiveSpec("gzip_proxied", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.gzip.$proxied) { builder, directive, current in
            var flags = current ?? []
            try Values.addFlags(builder, directive, to: &flags) { GzipProxied(rawValue: $0) }
            return flags
        }),
        DirectiveSpec("gzip_disable", anyHTTPLevel, .atLeast(1), .append(\.modules.gzip.$disable) { builder, directive in
            try directive.arguments.map { argument in
                let pattern = argument.text
                if pattern != "msie6" && pattern != "degradation" {
                    try builder.checkRegex(pattern, caseInsensitive: true, at: directive.location)
                }
                return pattern
            }
        }),
        DirectiveSpec("gzip_buffers", anyHTTPLevel, .exactly(2), .bufferCount(\.modules.gzip.$buffers)),
        // zlib's window and hash sizes: powers of two only, as nginx's post handlers check them.
        DirectiveSpec("gzip_window", anyHTTPLevel, .exactly(1), .value(\.modules.gzip.$windowBits) { _, directive in
            try powerOfTwo(directive, from: 9, to: 15, names: "512, 1k, 2k, 4k, 8k, 16k, or 32k")
        }),
        DirectiveSpec("gzip_hash", anyHTTPLevel, .exactly(1), .value(\.modules.gzip.$memLevel) { _, directive in
            try powerOfTwo(directive, from: 9, to: 17, names: "512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k") - 9
        }),
        // ngx_http_gzip_static_module's one directive.
        DirectiveSpec("gzip_static", anyHTTPLevel, .exactly(1), .choice(\.modules.gzip.$staticMode)),
        DirectiveSpec("gunzip", anyHTTPLevel, .exactly(1), .flag(\.modules.gzip.$gunzip)),
        DirectiveSpec("gunzip_buffers", anyHTTPLevel, .exactly(2), .bufferCount(\.modules.gzip.$gunzipBuffers)),
        ]
    }

    /// A size that must be 2^low … 2^high bytes (nginx's size slot, then its post handler's check): its exponent.
    private static func powerOfTwo(_ directive: Directive, from low: Int, to high: Int, names: String) throws -> Int {
        let size = try Values.size(directive, directive.arguments[0])
        guard let bits = (low...high).first(where: { 1 << $0 == size }) else {
            throw ConfigError("\"\(directive.name)\" directive must be \(names)", at: directive.location)
        }
        return bits
    }
}
