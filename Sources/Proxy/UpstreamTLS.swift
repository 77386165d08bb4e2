import Config
import EventLoop
import Locking

/// TLS toward the upstream of one `proxy_pass https://…` location: the client context (protocols, ciphers,
/// trusted CAs, client certificate), the name sent in SNI and checked against the certificate, and the sessions
/// kept per server address for `proxy_ssl_session_reuse` (shared by the workers, behind a lock taken once per new
/// connection, never per request on a kept-alive one).
final class UpstreamTLS: @unchecked Sendable {
    let context: TLSContext
    /// proxy_ssl_server_name: send the name in SNI.
    let sendsServerName: Bool
    /// proxy_ssl_name; nil: the proxy_pass host without its port.
    let name: CompiledTemplate?
    let defaultName: [UInt8]
    let verify: Bool
    let sessionReuse: Bool
    /// proxy_ssl_certificate / _key with variables: the pair evaluated for each new connection (nginx's
    /// ngx_http_upstream_ssl_certificate; nothing cached, as in nginx 1.22). nil: the context holds the
    /// certificate, or there is none.
    let certificateNames: DynamicCertificates?
    private let sessions = Lock<[SocketAddress: TLSSession]>([:])

    init(context: TLSContext, sendsServerName: Bool, name: CompiledTemplate?, defaultName: [UInt8], verify: Bool,
         sessionReuse: Bool, certificateNames: DynamicCertificates? = nil) {
        self.context = context; self.sendsServerName = sendsServerName; self.name = name
        self.defaultName = defaultName; self.verify = verify; self.sessionReuse = sessionReuse
        self.certificateNames = certificateNames
    }

    /// The certificate to load on `r`'s new connection when proxy_ssl_certificate names variables; nil when
    /// it does not, or when its value is empty for `r` (no client certificate then, as in nginx).
    func certificate(for r: Request) -> UpstreamCertificate? {
        guard let d = certificateNames, let pair = d.pairs.first else { return nil }
        let cert = r.evaluate(pair.cert)
        if cert.isEmpty { return nil }
        return UpstreamCertificate(cert: d.source(cert), key: d.source(r.evaluate(pair.key)), passwords: d.passwords)
    }

    func session(for address: SocketAddress) -> TLSSession? {
        sessionReuse ? sessions.withLock { $0[address] } : nil
    }

    func keep(_ session: TLSSession?, for address: SocketAddress) {
        guard sessionReuse, let session else { return }
        sessions.withLock { $0[address] = session }
    }

    /// The name for SNI and verification: proxy_ssl_name, else the proxy_pass host; a port is dropped
    /// (nginx's ngx_http_upstream_ssl_name).
    func serverName(for r: Request, proxyHost: [UInt8]) -> String {
        Self.host(name.map { r.evaluate($0) } ?? (defaultName.isEmpty ? proxyHost : defaultName))
    }

    /// The name with no request to evaluate it (a health check): proxy_ssl_name when constant, else the
    /// proxy_pass host.
    func serverName(proxyHost: [UInt8]) -> String {
        Self.host(name?.constant ?? (defaultName.isEmpty ? proxyHost : defaultName))
    }

    private static func host(_ bytes: [UInt8]) -> String {
        var start = 0
        if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) { start = close }
        let end = bytes[start...].firstIndex(of: UInt8(ascii: ":")) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The name of `r`'s try: a `proxy_pass` with variables names its evaluated host (nginx's u->ssl_name).
    func serverName(for r: Request, proxy: ProxyRuntime) -> String {
        if case .variable = proxy.target, let url = r.dynamicURL { return serverName(for: r, proxyHost: url.host) }
        return serverName(for: r, proxyHost: proxy.proxyHost)
    }

    /// Whether `name` may go in SNI: not empty, not an address literal (RFC 6066).
    static func sendable(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("[") && SocketAddress.parse(name + ":1") == nil
    }
}

/// A client certificate chosen by variables for one upstream connection: paths (or `data:`) as OpenSSL reads them.
struct UpstreamCertificate {
    let cert: String
    let key: String
    let passwords: [String]
}

extension Builder {
    /// The client context of a `proxy_pass https://` location, kept across reloads when unchanged.
    /// `module` names the directives in messages: `proxy` (proxy_ssl_*) or `uwsgi` (uwsgi_ssl_*).
    mutating func upstreamTLS(_ ssl: ProxySSLSettings, module: String = "proxy", host: String,
                              at loc: SourceLocation) throws(ConfigError) -> UpstreamTLS {
        var ssl = ssl
        // `proxy_ssl_certificate ""` (nginx 1.21.0): no client certificate, whatever a level above set.
        if let c = ssl.certificate, c.path.isEmpty, c.variable == nil { ssl.certificate = nil }
        var names: DynamicCertificates?
        if let cert = ssl.certificate, let key = ssl.certificateKey, cert.variable != nil || key.variable != nil {
            names = try upstreamCertificateNames(cert, key, ssl.passwordFile, at: loc)
            ssl.certificate = nil   // loaded per connection, not into the context
        }
        var key = "upstream|\(ssl.protocols)|\(ssl.ciphers)|\(ssl.verify)|\(ssl.verifyDepth)|\(ssl.confCommands)|\(ssl.sessionReuse)"
        for f in [ssl.trustedCertificate, ssl.crl, ssl.certificate, ssl.certificateKey, ssl.passwordFile] {
            if let f { key += "|" + f.path + ":" + String(decoding: tlsFile(f.path) ?? [], as: UTF8.self) }
        }
        key += confCommandFiles(ssl.confCommands)
        let ctx: TLSContext
        if let kept = previous?.tlsContexts[key] ?? tlsContexts[key] {
            ctx = kept
        } else {
            ctx = TLSContext(server: false)
            ctx.setProtocols(TLSFiles.protocols(ssl.protocols))
            do { try ctx.setCiphers(ssl.ciphers) } catch { throw ConfigError(error.message, at: loc) }
            if ssl.verify {
                do { try ctx.trust(ssl.trustedCertificate?.path, depth: ssl.verifyDepth) } catch {
                    throw ConfigError(error.message, at: ssl.trustedCertificate?.location ?? loc)
                }
                if let crl = ssl.crl {
                    do { try ctx.useCRL(crl.path) } catch { throw ConfigError(error.message, at: crl.location) }
                }
            }
            if let cert = ssl.certificate {
                guard let key = ssl.certificateKey else {
                    throw ConfigError("no \"\(module)_ssl_certificate_key\" is defined for certificate \"\(cert.written ?? cert.path)\"", at: cert.location)
                }
                let passwords = try ssl.passwordFile.map { f throws(ConfigError) in try readPasswords(f) } ?? []
                do {
                    try ctx.useCertificate(SecretFiles.source(cert.path), key: SecretFiles.source(key.path),
                                           passwords: passwords, named: (cert.path, key.path))
                } catch {
                    throw ConfigError(error.message, at: cert.location)
                }
            }
            for c in ssl.confCommands {
                do { try ctx.confCommand(c.name, c.value, path: c.path) } catch { throw ConfigError(error.message, at: loc) }
            }
        }
        tlsContexts[key] = ctx
        if ssl.verify && ssl.trustedCertificate == nil {
            throw ConfigError("no \(module)_ssl_trusted_certificate for \(module)_ssl_verify", at: loc)
        }
        let name = try ssl.name.map { t throws(ConfigError) in try compile(t, at: loc) }
        // A session made with one request's client certificate must not be resumed for a request whose variables
        // chose another, or none: with variables, every connection makes a new one.
        return UpstreamTLS(context: ctx, sendsServerName: ssl.serverName, name: name, defaultName: Array(host.utf8),
                           verify: ssl.verify, sessionReuse: ssl.sessionReuse && names == nil, certificateNames: names)
    }

    /// proxy_ssl_certificate / _key naming variables: their templates, the password file read now (as nginx
    /// keeps its passwords for later), relative names under the configuration's directory.
    private func upstreamCertificateNames(_ cert: SSLFile, _ key: SSLFile, _ passwordFile: SSLFile?,
                                          at loc: SourceLocation) throws(ConfigError) -> DynamicCertificates {
        func template(_ f: SSLFile) throws(ConfigError) -> CompiledTemplate {
            guard let t = f.variable else { return CompiledTemplate(literal: Array(f.path.utf8)) }
            return try compile(t, at: f.location ?? loc)
        }
        let pair = DynamicCertificates.Pair(cert: try template(cert), key: try template(key))
        let passwords = try passwordFile.map { f throws(ConfigError) in try readPasswords(f) } ?? []
        let directory = cert.variable != nil ? cert.directory : key.directory
        return DynamicCertificates(pairs: [pair], passwords: passwords, directory: Array(directory.utf8))
    }
}
