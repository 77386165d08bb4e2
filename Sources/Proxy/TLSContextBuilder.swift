import Config
import EventLoop
import Glibc
import Locking

// The TLS contexts of a configuration: one per server block that names certificates (as nginx, whether or not
// it listens with ssl) and one per location that proxies to https. A context whose settings and files are
// byte-for-byte those of the running configuration's is kept across a reload, with its session cache.

extension Builder {
    /// The server's context, or nil when it names no certificate and does not reject handshakes.
    mutating func serverTLS(_ s: ServerConfig, name: [UInt8]) throws(ConfigError) -> TLSContext? {
        let ssl = s.settings.ssl
        guard !ssl.certificates.isEmpty || ssl.rejectHandshake else { return nil }
        if ssl.certificateKeys.count < ssl.certificates.count {
            let cert = ssl.certificates[ssl.certificateKeys.count]
            throw ConfigError("no \"ssl_certificate_key\" is defined for certificate \"\(cert.written ?? cert.path)\"", at: cert.location)
        }
        var key = "server|\(ssl.protocols)|\(ssl.ciphers)|\(ssl.preferServerCiphers)|\(ssl.ecdhCurve)|\(ssl.sessionCache)"
            + "|\(ssl.sessionTimeout)|\(ssl.sessionTickets)|\(ssl.verifyClient)|\(ssl.verifyDepth)|\(ssl.confCommands)"
            + "|\(ssl.stapling)|\(ssl.staplingVerify)|\(ssl.staplingResponder.map { "\($0.hostHeader)\($0.path)" } ?? "")"
            + "|\(String(decoding: name, as: UTF8.self))"
        var files: [SSLFile] = ssl.certificates + ssl.certificateKeys + ssl.sessionTicketKeys
        for f in [ssl.passwordFile, ssl.dhparam, ssl.clientCertificate, ssl.trustedCertificate, ssl.crl,
                  ssl.stapling ? ssl.staplingFile : nil] {
            if let f { files.append(f) }
        }
        for f in files { key += "|" + f.path + ":" + String(decoding: tlsFile(f.path) ?? [], as: UTF8.self) }
        key += confCommandFiles(ssl.confCommands)
        // Kept from the running configuration, or shared with a server of this one built from the same settings
        // and files (its sessions and tickets then resume on either, as the same id context says they may).
        if let kept = previous?.tlsContexts[key] ?? tlsContexts[key] { tlsContexts[key] = kept; return kept }

        let ctx = TLSContext(server: true)
        func fail(_ f: TLSContext.Failure, _ at: SourceLocation?) -> ConfigError { ConfigError(f.message, at: at) }
        ctx.setProtocols(TLSFiles.protocols(ssl.protocols))
        let at = ssl.certificates.first?.location ?? s.location
        do { try ctx.setCiphers(ssl.ciphers) } catch { throw fail(error, at) }
        ctx.preferServerCiphers(ssl.preferServerCiphers)
        if ssl.ecdhCurve != "auto" {
            do { try ctx.setCurves(ssl.ecdhCurve) } catch { throw fail(error, at) }
        }
        let passwords = try ssl.passwordFile.map { f throws(ConfigError) in try readPasswords(f) } ?? []
        if DynamicCertificates.named(in: ssl) {
            ctx.loadCertificatesPerHandshake()   // nothing loaded now: each handshake evaluates the names
        } else {
            for (cert, keyFile) in zip(ssl.certificates, ssl.certificateKeys) {
                do {
                    try ctx.useCertificate(SecretFiles.source(cert.path), key: SecretFiles.source(keyFile.path),
                                           passwords: passwords, named: (cert.path, keyFile.path))
                } catch {
                    throw fail(error, error.message.contains("certificate key") || error.message.contains("PrivateKey")
                               ? keyFile.location : cert.location)
                }
            }
        }
        if let dh = ssl.dhparam {
            do { try ctx.useDHParameters(dh.path) } catch { throw fail(error, dh.location) }
        }
        let cache: TLSContext.SessionCache
        switch ssl.sessionCache {
        case .off: cache = .off
        case .none: cache = .none
        case .store(let n, _): cache = .store(sessions: n)
        }
        ctx.setSessionCache(cache, timeoutSeconds: Int(ssl.sessionTimeout.components.seconds),
                            idContext: TLSFiles.idContext(key))
        ctx.setTickets(ssl.sessionTickets)
        if !ssl.sessionTicketKeys.isEmpty {
            var keys: [[UInt8]] = []
            for f in ssl.sessionTicketKeys {
                guard let bytes = tlsFile(f.path) else {
                    throw ConfigError("open() \"\(f.path)\" failed (\(errno): \(Syscall.describe(errno)))", at: f.location)
                }
                guard bytes.count == 48 || bytes.count == 80 else {
                    throw ConfigError("\"\(f.path)\" must be 48 or 80 bytes", at: f.location)
                }
                if let first = keys.first, first.count != bytes.count {
                    throw ConfigError("\"\(f.path)\" must be \(first.count) bytes, as the other keys", at: f.location)
                }
                keys.append(bytes)
            }
            do { try ctx.setTicketKeys(keys) } catch { throw fail(error, ssl.sessionTicketKeys[0].location) }
        } else if case .store(_, let zone?) = ssl.sessionCache {
            // nginx keeps a shared cache's ticket keys in its zone and rotates them (OpenSSL's own keys never change)
            do { try ctx.useTicketRing(TicketRings.ring(named: zone)) } catch { throw fail(error, at) }
        }
        if ssl.verifyClient != .off {
            let mode = TLSFiles.verifyMode(ssl.verifyClient)
            if mode != .optionalNoCA && ssl.clientCertificate == nil && ssl.trustedCertificate == nil {
                throw ConfigError("no ssl_client_certificate or ssl_trusted_certificate for ssl_verify_client", at: at)
            }
            do {
                try ctx.verifyClients(mode, clientCA: ssl.clientCertificate?.path, trusted: ssl.trustedCertificate?.path,
                                      depth: ssl.verifyDepth)
            } catch { throw fail(error, ssl.clientCertificate?.location ?? ssl.trustedCertificate?.location ?? at) }
        } else if let t = ssl.trustedCertificate {
            // Loaded whether or not clients are verified, as nginx does: for stapling's checks, and so that `-t`
            // finds a file that is not there.
            do { try ctx.addTrusted(t.path) } catch { throw fail(error, t.location) }
        }
        if let crl = ssl.crl {
            do { try ctx.useCRL(crl.path) } catch { throw fail(error, crl.location) }
        }
        if ssl.stapling { try staple(ctx, ssl, at: at) }
        // Last, as nginx applies them: a command overrides what the directives above set (`Options SessionTicket`
        // after `ssl_session_tickets off`, another `Certificate`).
        for c in ssl.confCommands {
            do { try ctx.confCommand(c.name, c.value, path: c.path) } catch { throw fail(error, at) }
        }
        ctx.offerHTTP1()
        ctx.enableServerNameSelection()
        tlsContexts[key] = ctx
        return ctx
    }
}

extension Builder {
    /// ssl_stapling: the response of ssl_stapling_file, sent to clients that ask for the certificate's status;
    /// without a file, each certificate's response is fetched from its responder once a client asks
    /// (StaplingRuntime.swift). What cannot be stapled is a warning, as nginx's, and the server runs on.
    mutating func staple(_ ctx: TLSContext, _ ssl: SSLSettings, at: SourceLocation?) throws(ConfigError) {
        guard let file = ssl.staplingFile else {
            if DynamicCertificates.named(in: ssl) {
                return warn("\"ssl_stapling\" ignored, not supported with certificates loaded per handshake", at: at)
            }
            let setups: [OCSPStapleSetup]
            do { setups = try ctx.prepareStapling(verify: ssl.staplingVerify) } catch { throw ConfigError(error.message, at: at) }
            for setup in setups {
                if !setup.issuerFound {
                    warn("\"ssl_stapling\" ignored, issuer certificate not found for certificate \"\(setup.subject)\"", at: at)
                } else if setup.aia == nil && ssl.staplingResponder == nil {
                    warn("\"ssl_stapling\" ignored, no OCSP responder URL in the certificate \"\(setup.subject)\"", at: at)
                }
            }
            return
        }
        guard let der = tlsFile(file.path) else {
            throw ConfigError("open() \"\(file.path)\" failed (\(errno): \(Syscall.describe(errno)))", at: file.location)
        }
        do { try ctx.staple(der, path: file.path) } catch { throw ConfigError(error.message, at: file.location) }
    }

    private mutating func warn(_ text: String, at: SourceLocation?) {
        if !warnings.contains(where: { $0.message == text }) {
            warnings.append(ConfigDiagnostic(level: .warn, message: text, location: at))
        }
    }

    /// A file an ssl directive names, read at most once per load (then remembered): a FIFO gives its text once,
    /// and the context's key and its loading see the same bytes.
    func tlsFile(_ path: String) -> [UInt8]? {
        if let known = memo.tlsFiles[path] { return known }
        guard let bytes = SecretFiles.read(path) else { return nil }   // a key only root may read: SecretFiles
        memo.tlsFiles[path] = bytes
        return bytes
    }

    /// The files `ssl_conf_command`s may name (`Certificate`, `ChainCAFile`, …), for a context's key: a reload
    /// after one of them changed builds the context again. Which commands take files only OpenSSL knows, so every
    /// value's resolved name is tried; one that names no file adds nothing.
    func confCommandFiles(_ commands: [SSLConfCommand]) -> String {
        var key = ""
        for c in commands {
            if let bytes = tlsFile(c.path) { key += "|" + c.path + ":" + String(decoding: bytes, as: UTF8.self) }
        }
        return key
    }

    /// ssl_password_file's passwords, tried in turn for an encrypted key.
    func readPasswords(_ f: SSLFile) throws(ConfigError) -> [String] {
        guard let bytes = tlsFile(f.path) else {
            throw ConfigError("open() \"\(f.path)\" failed (\(errno): \(Syscall.describe(errno)))", at: f.location)
        }
        return try TLSFiles.passwords(bytes, of: f)
    }
}

/// The ticket keys of each `ssl_session_cache shared:NAME`, by name, for the process's life: as nginx's zone,
/// a reload that keeps the name keeps the keys, so tickets issued before it still resume.
enum TicketRings {
    private static let rings = Lock<[String: TLSTicketRing]>([:])

    static func ring(named name: String) -> TLSTicketRing {
        rings.withLock { all in
            if let ring = all[name] { return ring }
            let ring = TLSTicketRing()
            all[name] = ring
            return ring
        }
    }
}

/// Reading the files ssl directives name.
enum TLSFiles {
    /// ssl_password_file: one password a line (CRLF or LF); empty lines are skipped, as nginx skips them.
    static func passwords(_ bytes: [UInt8], of f: SSLFile) throws(ConfigError) -> [String] {
        let passwords = bytes.split(separator: 10).compactMap { line -> String? in
            let text = line.last == 13 ? line.dropLast() : line
            return text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
        }
        if passwords.isEmpty { throw ConfigError("empty file \"\(f.path)\"", at: f.location) }
        return passwords
    }

    static func verifyMode(_ v: SSLVerifyClient) -> TLSContext.VerifyClient {
        switch v {
        case .on: return .on
        case .optional: return .optional
        case .optionalNoCA: return .optionalNoCA
        case .off: return .off
        }
    }

    static func protocols(_ list: [SSLProtocol]) -> TLSContext.Protocols {
        var p: TLSContext.Protocols = []
        for v in list {
            switch v {
            case .tls1: p.insert(.tls1)
            case .tls1_1: p.insert(.tls1_1)
            case .tls1_2: p.insert(.tls1_2)
            case .tls1_3: p.insert(.tls1_3)
            case .ssl2, .ssl3: break
            }
        }
        return p
    }

    /// 32 bytes that differ between servers whose certificates or settings differ, so a session is resumed
    /// only where it was made (nginx hashes the certificates).
    static func idContext(_ key: String) -> [UInt8] {
        var out: [UInt8] = []
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for round in 0..<4 {
            for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ UInt64(round)) &* 0x100_0000_01b3
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: h >> (8 * UInt64(i)))) }
        }
        return out
    }
}
