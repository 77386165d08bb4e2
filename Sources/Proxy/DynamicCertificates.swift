import Config
import EventLoop
import HTTP1

/// `ssl_certificate` / `ssl_certificate_key` with variables (`$ssl_server_name.crt`, a `map` to `data:…`): as in
/// nginx, when any pair of a server names a variable, all its pairs are evaluated and loaded at each handshake,
/// after SNI, with the variables of the server SNI chose (ClientTLS.swift). Relative names resolve against the
/// configuration's directory. Built per runtime (the templates hold its variable ids); the context keeps only
/// the request for them (`TLSContext.loadCertificatesPerHandshake`).
final class DynamicCertificates: Sendable {
    struct Pair: Sendable {
        let cert: CompiledTemplate
        let key: CompiledTemplate
    }
    let pairs: [Pair]
    let passwords: [String]
    /// The configuration's directory, ending in "/".
    let directory: [UInt8]

    init(pairs: [Pair], passwords: [String], directory: [UInt8]) {
        self.pairs = pairs; self.passwords = passwords; self.directory = directory
    }

    /// Whether the server's certificates are loaded per handshake.
    static func named(in ssl: SSLSettings) -> Bool {
        zip(ssl.certificates, ssl.certificateKeys).contains { $0.variable != nil || $1.variable != nil }
    }

    /// An evaluated name as OpenSSL reads it: `data:…` and absolute paths as they are, else under `directory`.
    func source(_ value: [UInt8]) -> String {
        if value.first == UInt8(ascii: "/") || value.starts(with: Self.dataPrefix) {
            return String(decoding: value, as: UTF8.self)
        }
        return String(decoding: directory + value, as: UTF8.self)
    }

    private static let dataPrefix = Array("data:".utf8)

    /// The head the variables see during a handshake: nginx evaluates them in a request with no headers.
    static let handshakeHead: RequestHead = {
        var parser = RequestHeadParser()
        let wire = Array("GET / HTTP/1.0\r\n\r\n".utf8)
        guard case .complete(let head, _) = wire.withByteView({ parser.parse($0) }) else {
            fatalError("the handshake's placeholder head does not parse")
        }
        return head
    }()
}

extension Builder {
    /// The server's certificates to load per handshake, or nil when they are loaded once into its context.
    func dynamicCertificates(_ s: ServerConfig) throws(ConfigError) -> DynamicCertificates? {
        let ssl = s.settings.ssl
        guard DynamicCertificates.named(in: ssl) else { return nil }
        func template(_ f: SSLFile) throws(ConfigError) -> CompiledTemplate {
            guard let t = f.variable else { return CompiledTemplate(literal: Array(f.path.utf8)) }
            return try compile(t, at: f.location ?? s.location)
        }
        var pairs: [DynamicCertificates.Pair] = []
        var directory = ""
        for (cert, key) in zip(ssl.certificates, ssl.certificateKeys) {
            pairs.append(DynamicCertificates.Pair(cert: try template(cert), key: try template(key)))
            if directory.isEmpty { directory = cert.variable != nil ? cert.directory : key.directory }
        }
        let passwords = try ssl.passwordFile.map { f throws(ConfigError) in try readPasswords(f) } ?? []
        return DynamicCertificates(pairs: pairs, passwords: passwords, directory: Array(directory.utf8))
    }
}
