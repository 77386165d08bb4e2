/// A file an `ssl_*` directive names, with where it was named: a certificate that does not load is
/// `[emerg] … in file:line` of that directive.
public struct SSLFile: Sendable, Equatable {
    public var path: String
    public var location: SourceLocation?
    /// The name as written when it holds variables (`ssl_certificate $ssl_server_name.crt`): nginx evaluates it
    /// at each handshake; a relative result resolves against `directory`.
    public var variable: Template? = nil
    /// The configuration's directory, ending in "/" (set with `variable`).
    public var directory: String = ""
    /// The name as the directive wrote it, before resolving: what nginx's messages about the directive say.
    public var written: String? = nil

    public init(path: String, location: SourceLocation?) { self.path = path; self.location = location }
}

/// `ssl_*` directives (ngx_http_ssl_module), http and server levels.
public struct SSLSettings: Sendable {
    /// `ssl on` (deprecated in nginx: every listen of the server is TLS).
    @Setting public var enabled: Bool = false
    @Setting public var certificates: [SSLFile] = []
    @Setting public var certificateKeys: [SSLFile] = []
    @Setting public var passwordFile: SSLFile? = nil
    @Setting public var protocols: [SSLProtocol] = [.tls1_2, .tls1_3]
    @Setting public var ciphers: String = "HIGH:!aNULL:!MD5"
    @Setting public var preferServerCiphers: Bool = false
    @Setting public var ecdhCurve: String = "auto"
    @Setting public var dhparam: SSLFile? = nil
    @Setting public var confCommands: [SSLConfCommand] = []
    @Setting public var sessionCache: SSLSessionCache = .none
    @Setting public var sessionTimeout: Duration = .seconds(300)
    @Setting public var sessionTickets: Bool = true
    @Setting public var sessionTicketKeys: [SSLFile] = []
    @Setting public var rejectHandshake: Bool = false
    @Setting public var verifyClient: SSLVerifyClient = .off
    @Setting public var verifyDepth: Int = 1
    @Setting public var clientCertificate: SSLFile? = nil
    @Setting public var trustedCertificate: SSLFile? = nil
    @Setting public var crl: SSLFile? = nil
    @Setting public var stapling: Bool = false
    /// ssl_stapling_file: an OCSP response (DER) stapled as it is, instead of one fetched from a responder.
    @Setting public var staplingFile: SSLFile? = nil
    /// ssl_stapling_responder: the responder asked instead of the certificate's AIA one.
    @Setting public var staplingResponder: OCSPResponderURL? = nil
    @Setting public var staplingVerify: Bool = false
    /// ssl_ocsp: client certificates (`leaf`: the client's own only) checked with their OCSP responder.
    @Setting public var ocsp: SSLOCSP = .off
    /// ssl_ocsp_responder: the responder asked instead of each certificate's AIA one.
    @Setting public var ocspResponder: OCSPResponderURL? = nil
    /// ssl_ocsp_cache; nil for `off`.
    @Setting public var ocspCache: OCSPCacheZone? = nil

    public init() {}
}

/// `proxy_ssl_*` directives: TLS toward the upstream (`proxy_pass https://…`); `uwsgi_ssl_*` for `suwsgi://`.
public struct ProxySSLSettings: Sendable {
    @Setting public var serverName: Bool = false
    /// `proxy_ssl_name`; nil: the proxy_pass host (`$proxy_host`).
    @Setting public var name: Template? = nil
    @Setting public var verify: Bool = false
    @Setting public var verifyDepth: Int = 1
    @Setting public var trustedCertificate: SSLFile? = nil
    /// proxy_ssl_crl: revoked certificates, checked with the upstream's chain when proxy_ssl_verify is on.
    @Setting public var crl: SSLFile? = nil
    @Setting public var protocols: [SSLProtocol] = [.tls1_2, .tls1_3]
    @Setting public var ciphers: String = "DEFAULT"
    @Setting public var certificate: SSLFile? = nil
    @Setting public var certificateKey: SSLFile? = nil
    @Setting public var passwordFile: SSLFile? = nil
    @Setting public var sessionReuse: Bool = true
    @Setting public var confCommands: [SSLConfCommand] = []

    public init() {}
}

public enum SSLProtocol: String, Sendable, CaseIterable {
    case ssl2 = "SSLv2", ssl3 = "SSLv3", tls1 = "TLSv1", tls1_1 = "TLSv1.1", tls1_2 = "TLSv1.2", tls1_3 = "TLSv1.3"
}

/// `ssl_session_cache off | none | [builtin[:size]] [shared:name:size]`.
public enum SSLSessionCache: Sendable, Equatable {
    case off, none
    /// A store of about this many sessions (builtin's count plus what the shared zone's size holds).
    case store(sessions: Int, sharedName: String?)
}

/// `ssl_ocsp_cache [shared:]name:size`.
public struct OCSPCacheZone: Sendable, Equatable {
    public let name: String
    public let size: Int
}

/// `ssl_ocsp off | on | leaf`.
public enum SSLOCSP: String, Sendable {
    case off, on, leaf
}

public enum SSLVerifyClient: String, Sendable {
    case off, on, optional
    case optionalNoCA = "optional_no_ca"
}

/// `ssl_conf_command` / `proxy_ssl_conf_command`: an OpenSSL configuration command, applied after every other
/// setting of the context. `path` is the value resolved against the configuration's directory, which OpenSSL
/// gets instead of the value when the command takes a file or a directory (`Certificate`, `ChainCAFile`, …), as
/// nginx resolves them; Config cannot tell which commands do, the engine asks OpenSSL.
public struct SSLConfCommand: Sendable, Equatable {
    public var name: String
    public var value: String
    public var path: String

    public init(name: String, value: String, path: String) {
        self.name = name
        self.value = value
        self.path = path
    }
}
