/// TLS toward an upstream: `proxy_ssl_*` (`proxy_pass https://…`) and `uwsgi_ssl_*` (`uwsgi_pass suwsgi://…`),
/// one set of rows per module over the same settings type, as nginx's modules share ngx_http_upstream's TLS.
extension DirectiveTable {
    static func upstreamSSL(_ module: String, _ settings: WritableKeyPath<HTTPSettings, ProxySSLSettings>)
        -> [DirectiveSpec]
    {
        func path<Value>(_ field: WritableKeyPath<ProxySSLSettings, Setting<Value>>) -> SettingPath<Value> {
            settings.appending(path: field)
        }
        let p = module + "_ssl_"
        return [
        DirectiveSpec(p + "server_name", anyHTTPLevel, .exactly(1), .flag(path(\.$serverName))),
        DirectiveSpec(p + "name", anyHTTPLevel, .exactly(1), .value(path(\.$name)) { _, d in
            try Values.template(d, d.arguments[0])
        }),
        DirectiveSpec(p + "verify", anyHTTPLevel, .exactly(1), .flag(path(\.$verify))),
        DirectiveSpec(p + "verify_depth", anyHTTPLevel, .exactly(1), .number(path(\.$verifyDepth))),
        DirectiveSpec(p + "trusted_certificate", anyHTTPLevel, .exactly(1),
                      .value(path(\.$trustedCertificate)) { b, d in b.confFileOrUnset(d) }),
        DirectiveSpec(p + "protocols", anyHTTPLevel, .atLeast(1), .accumulate(path(\.$protocols)) {
            b, d, current in try SSLValues.protocols(b, d, adding: current)
        }),
        DirectiveSpec(p + "ciphers", anyHTTPLevel, .exactly(1), .string(path(\.$ciphers))),
        // Variables allowed (evaluated per upstream connection); an empty value sends no certificate (nginx 1.21.0).
        DirectiveSpec(p + "certificate", anyHTTPLevel, .exactly(1), .value(path(\.$certificate)) { b, d in
            b.confFileOrEmpty(d)
        }),
        DirectiveSpec(p + "certificate_key", anyHTTPLevel, .exactly(1),
                      .value(path(\.$certificateKey)) { b, d in b.confFileOrEmpty(d) }),
        DirectiveSpec(p + "password_file", anyHTTPLevel, .exactly(1), .value(path(\.$passwordFile)) { b, d in b.confFile(d) }),
        DirectiveSpec(p + "session_reuse", anyHTTPLevel, .exactly(1), .flag(path(\.$sessionReuse))),
        DirectiveSpec(p + "conf_command", anyHTTPLevel, .exactly(2), .append(path(\.$confCommands)) { b, d in
            [b.confCommand(d)]
        }),
        DirectiveSpec(p + "crl", anyHTTPLevel, .exactly(1), .value(path(\.$crl)) { b, d in b.confFileOrUnset(d) }),
        ]
    }
}
