import Config
import EventLoop

// ssl_ocsp and ssl_stapling's responders, frozen per server: the responder named in the configuration is
// resolved now (nginx resolves it at load too); a certificate's own (AIA) one at run time, with `resolver`.

extension Builder {
    /// The server's `ssl_ocsp`, or nil when it is off.
    mutating func clientOCSP(_ s: ServerConfig) throws(ConfigError) -> ClientOCSPRuntime? {
        let ssl = s.settings.ssl
        guard ssl.ocsp != .off else { return nil }
        if ssl.verifyClient == .optionalNoCA {
            throw ConfigError("\"ssl_ocsp\" is incompatible with \"ssl_verify_client optional_no_ca\"", at: s.location)
        }
        let resolver = try resolverRuntime(s.settings.resolver)
        let timeout = millis(s.settings.resolver.timeout)
        var responder: OCSPTarget? = nil
        if let url = ssl.ocspResponder {
            responder = try target(url, directive: "ssl_ocsp_responder", timeoutMillis: timeout, at: s.location)
        }
        let cache = ssl.ocspCache.map { OCSPCache.named($0.name, capacity: $0.size / 128) }
        return ClientOCSPRuntime(leafOnly: ssl.ocsp == .leaf, responder: responder, resolver: resolver,
                                 timeoutMillis: timeout, cache: cache)
    }

    /// The responders of `ssl_stapling` for `context`'s certificates, or nil when nothing is fetched.
    mutating func staplingRuntime(_ s: ServerConfig, context: TLSContext) throws(ConfigError) -> StaplingRuntime? {
        let ssl = s.settings.ssl
        guard ssl.stapling, ssl.staplingFile == nil, !context.staples.isEmpty else { return nil }
        let resolver = try resolverRuntime(s.settings.resolver)
        let timeout = millis(s.settings.resolver.timeout)
        var configured: OCSPTarget? = nil
        if let url = ssl.staplingResponder {
            configured = try target(url, directive: "ssl_stapling_responder", timeoutMillis: timeout, at: s.location)
        }
        var targets: [OCSPTarget?] = []
        for setup in context.staples {
            if !setup.issuerFound { targets.append(nil); continue }
            if let configured { targets.append(configured); continue }
            guard let aia = setup.aia else { targets.append(nil); continue }   // warned when the context was made
            switch OCSPResponderURL.parse(aia) {
            case .success(let url):
                targets.append(OCSPTarget(url: url, addresses: [], resolver: resolver, timeoutMillis: timeout))
            case .failure(let e):
                targets.append(nil)
                let text = "\"ssl_stapling\" ignored, \(e.reason) in OCSP responder \"\(String(decoding: aia, as: UTF8.self))\""
                    + " in the certificate \"\(setup.subject)\""
                if !warnings.contains(where: { $0.message == text }) {
                    warnings.append(ConfigDiagnostic(level: .warn, message: text, location: s.location))
                }
            }
        }
        return StaplingRuntime(context: context, targets: targets)
    }

    /// A responder of the configuration, its name resolved now.
    private func target(_ url: OCSPResponderURL, directive: String, timeoutMillis: Int,
                        at: SourceLocation?) throws(ConfigError) -> OCSPTarget {
        let addresses = SocketAddress.resolve(host: url.host, port: url.port)
        if addresses.isEmpty {
            throw ConfigError("host not found in OCSP responder \"\(url.host)\" in \"\(directive)\"", at: at)
        }
        return OCSPTarget(url: url, addresses: addresses, resolver: nil, timeoutMillis: timeoutMillis)
    }
}
