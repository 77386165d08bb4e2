/// ngx_http_ssl_module (`ssl_*`, http and server levels), and the TLS toward upstreams: `proxy_ssl_*` of
/// ngx_http_proxy_module and `uwsgi_ssl_*` of ngx_http_uwsgi_module (UpstreamSSLDirectives.swift).
/// Files are only named here; RuntimeBuilder loads them, so a bad certificate is `[emerg] … in file:line`.
extension DirectiveTable {
    static var ssl: [DirectiveSpec] {
        let server: Set<ConfigContext> = [.http, .server]
        return [
        DirectiveSpec("ssl", server, .exactly(1), .value(\.modules.ssl.$enabled) { builder, directive in
            builder.warn("the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead",
                         at: directive.location)
            return try Values.flag(directive)
        }),
        DirectiveSpec("ssl_certificate", server, .exactly(1), .append(\.modules.ssl.$certificates) { b, d in [b.confFile(d)] }),
        DirectiveSpec("ssl_certificate_key", server, .exactly(1), .append(\.modules.ssl.$certificateKeys) { b, d in [b.confFile(d)] }),
        DirectiveSpec("ssl_password_file", server, .exactly(1), .value(\.modules.ssl.$passwordFile) { b, d in b.confFile(d) }),
        DirectiveSpec("ssl_protocols", server, .atLeast(1), .accumulate(\.modules.ssl.$protocols) { b, d, current in
            try SSLValues.protocols(b, d, adding: current)
        }),
        DirectiveSpec("ssl_ciphers", server, .exactly(1), .string(\.modules.ssl.$ciphers)),
        DirectiveSpec("ssl_prefer_server_ciphers", server, .exactly(1), .flag(\.modules.ssl.$preferServerCiphers)),
        DirectiveSpec("ssl_ecdh_curve", server, .exactly(1), .string(\.modules.ssl.$ecdhCurve)),
        DirectiveSpec("ssl_dhparam", server, .exactly(1), .value(\.modules.ssl.$dhparam) { b, d in b.confFile(d) }),
        DirectiveSpec("ssl_conf_command", server, .exactly(2), .append(\.modules.ssl.$confCommands) { b, d in
            [b.confCommand(d)]
        }),
        // Read again on top in nginx: of two at one level, the later one's cache is the one used.
        DirectiveSpec("ssl_session_cache", server, .range(1, 2), .accumulate(\.modules.ssl.$sessionCache) { _, d, _ in
            try SSLValues.sessionCache(d)
        }),
        DirectiveSpec("ssl_session_timeout", server, .exactly(1), .seconds(\.modules.ssl.$sessionTimeout)),
        DirectiveSpec("ssl_session_tickets", server, .exactly(1), .flag(\.modules.ssl.$sessionTickets)),
        DirectiveSpec("ssl_session_ticket_key", server, .exactly(1), .append(\.modules.ssl.$sessionTicketKeys) { b, d in [b.confFile(d)] }),
        DirectiveSpec("ssl_reject_handshake", server, .exactly(1), .flag(\.modules.ssl.$rejectHandshake)),
        DirectiveSpec("ssl_verify_client", server, .exactly(1), .choice(\.modules.ssl.$verifyClient)),
        DirectiveSpec("ssl_verify_depth", server, .exactly(1), .number(\.modules.ssl.$verifyDepth)),
        DirectiveSpec("ssl_client_certificate", server, .exactly(1), .value(\.modules.ssl.$clientCertificate) { b, d in b.confFileOrUnset(d) }),
        DirectiveSpec("ssl_trusted_certificate", server, .exactly(1), .value(\.modules.ssl.$trustedCertificate) { b, d in b.confFileOrUnset(d) }),
        DirectiveSpec("ssl_crl", server, .exactly(1), .value(\.modules.ssl.$crl) { b, d in b.confFileOrUnset(d) }),
        DirectiveSpec("http2", server, .exactly(1), .custom { builder, directive in
            _ = try Values.flag(directive)
            builder.noticeHTTP2(at: directive.location)
        }),
        ignored("ssl_buffer_size", server, .exactly(1), .size),
        ignored("ssl_early_data", server, .exactly(1), .flag),
        DirectiveSpec("ssl_stapling", server, .exactly(1), .flag(\.modules.ssl.$stapling)),
        DirectiveSpec("ssl_stapling_file", server, .exactly(1), .value(\.modules.ssl.$staplingFile) { b, d in b.confFile(d) }),
        DirectiveSpec("ssl_stapling_verify", server, .exactly(1), .flag(\.modules.ssl.$staplingVerify)),
        DirectiveSpec("ssl_stapling_responder", server, .exactly(1), .value(\.modules.ssl.$staplingResponder) { _, d in
            try SSLValues.responder(d)
        }),
        DirectiveSpec("ssl_ocsp", server, .exactly(1), .choice(\.modules.ssl.$ocsp)),
        DirectiveSpec("ssl_ocsp_responder", server, .exactly(1), .value(\.modules.ssl.$ocspResponder) { _, d in
            try SSLValues.responder(d)
        }),
        DirectiveSpec("ssl_ocsp_cache", server, .exactly(1), .value(\.modules.ssl.$ocspCache) { _, d in
            try SSLValues.ocspCache(d)
        }),
        ] + upstreamSSL("proxy", \.proxySSL) + upstreamSSL("uwsgi", \.uwsgiSSL)
    }
}

/// nginx's parsers for the ssl values.
enum SSLValues {
    /// A bitmask in nginx: a second directive at one level adds its protocols to the first one's.
    static func protocols(_ builder: ConfigBuilder, _ directive: Directive, adding current: [SSLProtocol]?) throws
        -> [SSLProtocol]
    {
        var set = Set(current ?? [])
        try Values.addFlags(builder, directive, to: &set) { word in SSLProtocol.allCases.first { $0.rawValue.lowercased() == word } }
        return SSLProtocol.allCases.filter(set.contains)
    }

    /// An OCSP responder's URL: `http://host[:port][/path]` only, as nginx's; `""` is none (the certificate's own).
    static func responder(_ directive: Directive) throws -> OCSPResponderURL? {
        let text = directive.arguments[0].text
        if text.isEmpty { return nil }
        switch OCSPResponderURL.parse(Array(text.utf8)) {
        case .success(let url): return url
        case .failure(let e): throw ConfigError("\(e.reason) in OCSP responder \"\(text)\" in \"\(directive.name)\"", at: directive.location)
        }
    }

    /// `off` or `[shared:]name:size` (nginx's zone is shared anyway; the size is checked as nginx checks it).
    static func ocspCache(_ directive: Directive) throws -> OCSPCacheZone? {
        let text = directive.arguments[0].text
        if text == "off" { return nil }
        let rest = text.hasPrefix("shared:") ? Substring(text.dropFirst(7)) : Substring(text)
        guard let colon = rest.lastIndex(of: ":"), colon != rest.startIndex,
              let size = Units.size(String(rest[rest.index(after: colon)...])) else {
            throw ConfigError("invalid OCSP cache \"\(text)\"", at: directive.location)
        }
        if size < 8192 { throw ConfigError("OCSP cache \"\(text)\" is too small", at: directive.location) }
        return OCSPCacheZone(name: String(rest[..<colon]), size: size)
    }

    /// `off`, `none`, `builtin[:N]`, `shared:NAME:SIZE` (nginx stores about 4000 sessions per megabyte).
    static func sessionCache(_ directive: Directive) throws -> SSLSessionCache {
        let args = directive.arguments.map(\.text)
        if args.count == 1 && args[0] == "off" { return .off }
        if args.count == 1 && args[0] == "none" { return .none }
        var sessions = 0
        var shared: String?
        for text in args {
            if text == "builtin" { sessions += 20480; continue }
            if text.hasPrefix("builtin:"), let n = Values.decimal(text.dropFirst(8)), n > 0 { sessions += n; continue }
            if text.hasPrefix("shared:") {
                let rest = text.dropFirst(7)
                if let colon = rest.lastIndex(of: ":"), colon != rest.startIndex,
                   let size = Units.size(String(rest[rest.index(after: colon)...])) {
                    guard size >= 8192 else {
                        throw ConfigError("session cache \"\(text)\" is too small", at: directive.location)
                    }
                    shared = String(rest[..<colon])
                    sessions += max(1, size / 256)
                    continue
                }
            }
            throw ConfigError("invalid session cache \"\(text)\"", at: directive.location)
        }
        return .store(sessions: sessions, sharedName: shared)
    }
}

extension ConfigBuilder {
    /// `ssl_conf_command NAME VALUE`, with VALUE also resolved as a file name (OpenSSL is asked which to use).
    func confCommand(_ directive: Directive) -> SSLConfCommand {
        let value = directive.arguments[1].text
        return SSLConfCommand(name: directive.arguments[0].text, value: value, path: confPath(value))
    }

    /// A file path of an ssl directive: relative to the main configuration file's directory, as nginx's;
    /// `data:` and PEM text as they are. A name with variables keeps its template too (ssl_certificate uses it).
    func confFile(_ directive: Directive) -> SSLFile {
        let text = directive.arguments[0].text
        if let t = try? Template(text), t.pieces.contains(where: { if case .literal = $0 { false } else { true } }) {
            var f = SSLFile(path: confPath(text), location: directive.location)
            f.variable = t
            f.directory = String(confPath("x").dropLast())
            return f
        }
        if text.hasPrefix("data:") { return SSLFile(path: text, location: directive.location) }
        var f = SSLFile(path: confPath(text), location: directive.location)
        f.written = text
        return f
    }

    /// As `confFile`, with an empty value kept empty (`proxy_ssl_certificate ""`: no certificate).
    /// A file whose empty value means none, as nginx reads an empty path: `ssl_crl "";` undoes an inherited one.
    func confFileOrUnset(_ directive: Directive) -> SSLFile? {
        directive.arguments[0].text.isEmpty ? nil : confFile(directive)
    }

    func confFileOrEmpty(_ directive: Directive) -> SSLFile {
        directive.arguments[0].text.isEmpty ? SSLFile(path: "", location: directive.location) : confFile(directive)
    }

    /// One `[notice]` per load for `listen … http2` and `http2 on`.
    func noticeHTTP2(at location: SourceLocation?) {
        if noticedIgnored.insert("http2").inserted {
            notice("HTTP/2 is not served yet: \"http2\" is accepted and ALPN offers http/1.1 only", at: location)
        }
    }
}
