import CTLS

/// An OpenSSL context (`SSL_CTX`): a server block's certificates and settings, or an upstream's client side.
/// Built and configured on the master thread while a configuration loads; the workers then only create
/// connections from it, which OpenSSL allows from any thread (its session cache has its own lock, so every
/// worker thread shares one cache). One of the named unsafe files: it holds the context's pointer.
public final class TLSContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    public let isServer: Bool

    /// A failed step, with OpenSSL's error text as nginx prints it (`SSL: error:…`).
    public struct Failure: Error, Sendable {
        public let message: String
    }

    public init(server: Bool) {
        guard let p = cswy_tls_ctx_new(server ? 1 : 0) else { fatalError("SSL_CTX_new() failed") }
        pointer = p
        isServer = server
    }

    deinit { cswy_tls_ctx_free(pointer) }

    /// The OpenSSL library in use ("OpenSSL 3.0.19 27 Jan 2026"), for `-V`.
    public static var libraryVersion: String { String(cString: cswy_tls_library_version()) }

    /// The thread's queued OpenSSL errors (cleared), in parentheses as nginx appends them.
    static func errorText(errno code: Int32 = 0) -> String {
        var buf = [CChar](repeating: 0, count: 1024)
        let n = cswy_tls_error(&buf, Int32(buf.count), code)
        return n > 0 ? " (" + String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self) + ")" : ""
    }

    private func check(_ rc: Int32, _ message: @autoclosure () -> String) throws(Failure) {
        if rc != 0 { throw Failure(message: message() + Self.errorText()) }
    }

    public struct Protocols: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let tls1 = Protocols(rawValue: Int32(CSWY_TLS_V1))
        public static let tls1_1 = Protocols(rawValue: Int32(CSWY_TLS_V1_1))
        public static let tls1_2 = Protocols(rawValue: Int32(CSWY_TLS_V1_2))
        public static let tls1_3 = Protocols(rawValue: Int32(CSWY_TLS_V1_3))
    }

    public func setProtocols(_ p: Protocols) { _ = cswy_tls_ctx_protocols(pointer, p.rawValue) }

    public func setCiphers(_ list: String) throws(Failure) {
        try check(cswy_tls_ctx_ciphers(pointer, list), "SSL_CTX_set_cipher_list(\"\(list)\") failed")
    }

    public func preferServerCiphers(_ on: Bool) { cswy_tls_ctx_prefer_server_ciphers(pointer, on ? 1 : 0) }

    public func setCurves(_ list: String) throws(Failure) {
        try check(cswy_tls_ctx_curves(pointer, list), "SSL_CTX_set1_curves_list(\"\(list)\") failed")
    }

    public func confCommand(_ name: String, _ value: String) throws(Failure) {
        try check(cswy_tls_ctx_conf_command(pointer, name, value), "SSL_CONF_cmd(\"\(name)\", \"\(value)\") failed")
    }

    /// A certificate file (certificate, then its chain) and its key; an encrypted key is tried with each
    /// password in turn (ssl_password_file). Either may be inline PEM after `data:`, as in nginx.
    public func useCertificate(_ cert: String, key: String, passwords: [String]) throws(Failure) {
        var what: Int32 = 0
        let rc = Self.withPasswords(passwords) { cswy_tls_ctx_certificate(pointer, cert, key, $0, $1, &what) }
        if rc != 0 { throw Self.certificateFailure(what, cert: cert, key: key) }
    }

    /// `passwords` as C wants them: NUL-terminated strings back to back, and their count.
    static func withPasswords(_ passwords: [String], _ body: (UnsafePointer<CChar>, Int32) -> Int32) -> Int32 {
        var joined: [CChar] = []
        for p in passwords { joined.append(contentsOf: p.utf8CString) }
        if joined.isEmpty { joined = [0] }
        return joined.withUnsafeBufferPointer { body($0.baseAddress!, Int32(passwords.count)) }
    }

    /// nginx's message for the step of a certificate load that failed (1 certificate, 2 key, 3 pairing).
    static func certificateFailure(_ what: Int32, cert: String, key: String) -> Failure {
        switch what {
        case 1: return Failure(message: "cannot load certificate \"\(cert)\": PEM_read_bio_X509_AUX() failed" + errorText())
        case 2: return Failure(message: "cannot load certificate key \"\(key)\": PEM_read_bio_PrivateKey() failed" + errorText())
        default: return Failure(message: "SSL_CTX_use_PrivateKey(\"\(key)\") failed" + errorText())
        }
    }

    public func useDHParameters(_ path: String) throws(Failure) {
        try check(cswy_tls_ctx_dhparam(pointer, path), "PEM_read_bio_Parameters(\"\(path)\") failed")
    }

    public enum SessionCache: Sendable, Equatable {
        case off, none, store(sessions: Int)
    }

    /// The session cache, its timeout and the id context sessions are bound to (resumption checks it).
    public func setSessionCache(_ cache: SessionCache, timeoutSeconds: Int, idContext: [UInt8]) {
        let mode: Int32, size: Int
        switch cache {
        case .off: mode = Int32(CSWY_TLS_CACHE_OFF); size = 0
        case .none: mode = Int32(CSWY_TLS_CACHE_NONE); size = 1
        case .store(let n): mode = Int32(CSWY_TLS_CACHE_ON); size = n
        }
        cswy_tls_ctx_session_cache(pointer, mode, size, timeoutSeconds, idContext, Int32(idContext.count))
    }

    public func setTickets(_ on: Bool) { cswy_tls_ctx_tickets(pointer, on ? 1 : 0) }

    /// Session ticket keys of 48 or 80 bytes each (all the same size); the first encrypts.
    public func setTicketKeys(_ keys: [[UInt8]]) throws(Failure) {
        guard let size = keys.first?.count else { return }
        try check(cswy_tls_ctx_ticket_keys(pointer, keys.flatMap { $0 }, Int32(keys.count), Int32(size)),
                  "SSL_CTX_set_tlsext_ticket_key_evp_cb() failed")
    }

    /// Offers http/1.1 in ALPN (HTTP/2 is not served).
    public func offerHTTP1() { cswy_tls_ctx_alpn_http1(pointer) }

    public enum VerifyClient: Int32, Sendable {
        case off = 0, on = 1, optional = 2, optionalNoCA = 3
    }

    public func verifyClients(_ mode: VerifyClient, clientCA: String?, trusted: String?, depth: Int) throws(Failure) {
        var what: Int32 = 0
        let rc = cswy_tls_ctx_verify_client(pointer, mode.rawValue, clientCA, trusted, Int32(depth), &what)
        if rc != 0 {
            throw Failure(message: "SSL_CTX_load_verify_locations(\"\((what == 1 ? clientCA : trusted) ?? "")\") failed" + Self.errorText())
        }
    }

    public func useCRL(_ path: String) throws(Failure) {
        try check(cswy_tls_ctx_crl(pointer, path), "X509_LOOKUP_load_file(\"\(path)\") failed")
    }

    /// A client context's verification: trusted CAs (nil: none) and the chain depth.
    public func trust(_ path: String?, depth: Int) throws(Failure) {
        try check(cswy_tls_ctx_trusted(pointer, path, Int32(depth)), "SSL_CTX_load_verify_locations(\"\(path ?? "")\") failed")
    }

    /// Lets SNI choose among server contexts (the connection's `TLSStream.chooseServer` decides).
    public func enableServerNameSelection() { cswy_tls_ctx_sni(pointer, sniTrampoline) }

    /// ssl_certificate with variables: each handshake on this context asks the connection's
    /// `TLSStream.loadCertificates` for its certificates, once SNI is known.
    public func loadCertificatesPerHandshake() { cswy_tls_ctx_cert_loader(pointer, certificateTrampoline) }
}

/// OpenSSL calls this during a ClientHello, after SNI, with the connection's stream as `app`; 0 when loaded.
private let certificateTrampoline: cswy_tls_cert_loader = { app in
    let stream = Unmanaged<TLSStream>.fromOpaque(app!).takeUnretainedValue()
    guard let load = stream.loadCertificates else { return 0 }
    return load(stream) ? 0 : 1
}

/// OpenSSL calls this during a ClientHello with the connection's stream as `app`.
private let sniTrampoline: cswy_tls_sni_resolver = { app, name, length, chosen in
    let stream = Unmanaged<TLSStream>.fromOpaque(app!).takeUnretainedValue()
    guard let choose = stream.chooseServer else { return 0 }
    let bytes: [UInt8]? = name.map { n in
        UnsafeRawBufferPointer(start: n, count: Int(length)).map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
    }
    switch choose(bytes) {
    case .keep: return 0
    case .use(let ctx): chosen!.pointee = ctx.pointer; return 0
    case .reject: return 1
    }
}
