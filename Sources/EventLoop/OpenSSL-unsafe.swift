import Glibc
import CTLS

// OpenSSL's pointers: the only file that holds an `SSL_CTX`, an `SSL` or an `SSL_SESSION`, hands buffers to
// OpenSSL, or takes its callbacks (SNI, per-handshake certificates, with the stream's `Unmanaged` self).
// `TLSContext` and `TLSStream` are thin owners of those pointers, so they live here whole.

/// An OpenSSL context (`SSL_CTX`): a server block's certificates and settings, or an upstream's client side.
/// Built and configured on the master thread while a configuration loads; the workers then only create
/// connections from it, which OpenSSL allows from any thread (its session cache has its own lock, so every
/// worker thread shares one cache).
public final class TLSContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    public let isServer: Bool
    /// ssl_stapling with responders: each certificate as `prepareStapling` found it (below, the OCSP part).
    public internal(set) var staples: [OCSPStapleSetup] = []

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

    /// `ssl_conf_command NAME VALUE`: `path` is VALUE resolved against the configuration's directory, passed
    /// instead when OpenSSL says NAME takes a file or a directory (nginx's rule).
    public func confCommand(_ name: String, _ value: String, path: String) throws(Failure) {
        var usedPath: Int32 = 0
        let rc = cswy_tls_ctx_conf_command(pointer, name, value, path, &usedPath)
        try check(rc, "SSL_CONF_cmd(\"\(name)\", \"\(usedPath != 0 ? path : value)\") failed")
    }

    /// A certificate file (certificate, then its chain) and its key; an encrypted key is tried with each
    /// password in turn (ssl_password_file). Either may be inline PEM after `data:`, as in nginx. `named`: the
    /// files' names for a failure's message when `cert` or `key` is their text (never a key's text in a log).
    public func useCertificate(_ cert: String, key: String, passwords: [String],
                               named: (cert: String, key: String)? = nil) throws(Failure) {
        var what: Int32 = 0
        let rc = Self.withPasswords(passwords) { cswy_tls_ctx_certificate(pointer, cert, key, $0, $1, &what) }
        if rc != 0 { throw Self.certificateFailure(what, cert: named?.cert ?? cert, key: named?.key ?? key) }
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
        // The file could not be opened: nginx's words name the BIO call.
        case 4: return Failure(message: "cannot load certificate \"\(cert)\": BIO_new_file() failed" + errorText())
        case 5: return Failure(message: "cannot load certificate key \"\(key)\": BIO_new_file() failed" + errorText())
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

    /// nginx's rotating ticket keys of a shared session cache, for a context with no key files.
    public func useTicketRing(_ ring: TLSTicketRing) throws(Failure) {
        try check(cswy_tls_ctx_ticket_ring(pointer, ring.pointer), "SSL_CTX_set_tlsext_ticket_key_evp_cb() failed")
    }

    /// An OCSP response (DER) stapled to every handshake whose client asks for the certificate's status.
    public func staple(_ der: [UInt8], path: String) throws(Failure) {
        try check(cswy_tls_ctx_staple(pointer, der, der.count), "d2i_OCSP_RESPONSE_bio(\"\(path)\") failed")
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

/// The session ticket keys of one `ssl_session_cache shared:NAME`, rotated as nginx rotates them (the current key
/// encrypts until the previous one's expiry, a session timeout after its last use, passes); every context naming
/// that cache shares it, from every worker thread (it has its own lock).
public final class TLSTicketRing: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    public init() {
        guard let p = cswy_tls_ticket_ring_new() else { fatalError("OPENSSL_zalloc() failed") }
        pointer = p
    }

    deinit { cswy_tls_ticket_ring_free(pointer) }

    /// One rotation step at `now` (seconds since the epoch), as a ticket's encryption or decryption takes:
    /// the names (16 bytes) of the current and the previous key.
    public func rotate(now: Int, timeoutSeconds: Int) -> (current: [UInt8], previous: [UInt8]) {
        var keys = [UInt8](repeating: 0, count: 160)
        _ = cswy_tls_ticket_ring_rotate(pointer, now, timeoutSeconds, &keys)
        return (Array(keys[0..<16]), Array(keys[80..<96]))
    }
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

/// One TLS connection (`SSL`) on a non-blocking socket of this worker: OpenSSL reads and writes the descriptor
/// itself (no memory BIO, no extra copy), driven by the same readiness events as a plain socket.
public final class TLSStream {
    let ssl: UnsafeMutableRawPointer
    public let isServer: Bool
    /// The handshake finished; reads and writes carry application data.
    public private(set) var established = false
    /// OpenSSL's text for the last failure (`SSL: error:…`), for the caller's log line.
    public private(set) var lastError = ""

    public enum ServerChoice {
        case keep
        case use(TLSContext)
        /// ssl_reject_handshake: the handshake ends with an `unrecognized_name` alert.
        case reject
    }

    /// Server side: picks the context for the name the client sent (lower-cased; nil when it sent none).
    public var chooseServer: (([UInt8]?) -> ServerChoice)?
    /// Server side, a context with `loadCertificatesPerHandshake`: gives this connection its certificates
    /// (`useCertificate`) after SNI; false fails the handshake.
    public var loadCertificates: ((TLSStream) -> Bool)?
    /// What the owner's `chooseServer` picked, kept for its later callbacks (the proxy's server object).
    public var chosen: AnyObject?

    /// A stream over `fd` from `context` (server or client side as the context is).
    public init(context: TLSContext, fd: Int32) {
        isServer = context.isServer
        guard let p = cswy_tls_new(context.pointer, fd, context.isServer ? 1 : 0, nil) else { fatalError("SSL_new() failed") }
        ssl = p
        // Unretained: the connection owns the stream for as long as OpenSSL can call back (its handshake).
        cswy_tls_set_app(ssl, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { cswy_tls_free(ssl) }

    public enum Progress: Equatable {
        case done, wantRead, wantWrite, closed
        case failed(String)
    }

    private func note(_ rc: Int) -> Progress {
        switch rc {
        case Int(CSWY_TLS_WANT_READ): return .wantRead
        case Int(CSWY_TLS_WANT_WRITE): return .wantWrite
        case Int(CSWY_TLS_EOF): return .closed
        default:
            lastError = TLSContext.errorText(errno: errno)
            return .failed(lastError)
        }
    }

    /// One step of the handshake; `.done` once it completed.
    public func handshake() -> Progress {
        let rc = Int(cswy_tls_handshake(ssl))
        if rc == Int(CSWY_TLS_OK) { established = true; return .done }
        return note(rc)
    }

    /// Reads decrypted bytes into `buffer` (growing it by about `chunk`): records until the socket has no more
    /// or the space is used, then whatever OpenSSL still holds (a record's rest, or records it read ahead, at
    /// most its read buffer), so nothing waits inside the connection where no readiness event would announce it.
    /// `atMost`: no more than this many bytes (a rate limit's allowance; what stays in OpenSSL is read next time).
    public func read(into buffer: IOBuffer, chunk: Int, atMost: Int = .max) -> IOResult {
        if buffer.capacity - buffer.tail < chunk / 2 || !buffer.hasStorage { buffer.reserve(chunk) }
        var total = 0
        while total < atMost {
            let space = buffer.writable
            if space.count == 0 {
                if cswy_tls_has_pending(ssl) == 0 { break }
                buffer.reserve(max(Int(cswy_tls_pending(ssl)), 16_384))
                continue
            }
            let n = cswy_tls_read(ssl, space.baseAddress, min(space.count, atMost - total))
            if n > 0 { buffer.didWrite(n); total += n; continue }
            if total > 0 { break }   // what stopped the loop shows again at the next read
            switch note(n) {
            case .wantRead, .wantWrite: return .wouldBlock
            case .closed: return .eof
            default: return .error(errno == 0 ? EPROTO : errno)
            }
        }
        return .done(total)
    }

    /// Encrypts and writes as much of `bytes` as the socket takes. After `.wouldBlock` (or a short count) the
    /// caller keeps the rest and offers it again from the first byte not counted, as OpenSSL requires.
    public func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        if bytes.isEmpty { return .done(0) }
        let n = cswy_tls_write(ssl, bytes.baseAddress, bytes.count)
        if n > 0 { return .done(n) }
        switch note(n) {
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .error(EPIPE)
        default: return .error(errno == 0 ? EPROTO : errno)
        }
    }

    /// A certificate and its key for this connection only (ssl_certificate with variables), paths or `data:`.
    public func useCertificate(_ cert: String, key: String, passwords: [String]) throws(TLSContext.Failure) {
        var what: Int32 = 0
        let rc = TLSContext.withPasswords(passwords) { cswy_tls_use_certificate(ssl, cert, key, $0, $1, &what) }
        if rc != 0 { throw TLSContext.certificateFailure(what, cert: cert, key: key) }
    }

    /// Sends close_notify (once the handshake completed); the caller then closes the socket.
    public func shutdown() { cswy_tls_shutdown(ssl) }

    // MARK: - Client side

    /// The name sent in SNI (proxy_ssl_server_name).
    public func setServerName(_ name: String) { _ = cswy_tls_set_host_name(ssl, name) }

    public func resume(_ session: TLSSession) { cswy_tls_set_session(ssl, session.pointer) }

    /// The session to offer on the next connection to the same peer (proxy_ssl_session_reuse).
    public var session: TLSSession? { cswy_tls_get_session(ssl).map(TLSSession.init) }

    /// The peer's certificate verdict: nil when it verified, else nginx's text (`(10: certificate has expired)`).
    public var verificationFailure: String? {
        var text: UnsafePointer<CChar>?
        let rc = cswy_tls_verify_result(ssl, &text)
        if rc == 0 { return nil }
        if rc < 0 { return "no certificate" }
        return "(\(rc):\(text.map { String(cString: $0) } ?? ""))"
    }

    public func certificateMatches(host: String) -> Bool { cswy_tls_check_host(ssl, host) == 1 }

    // MARK: - What the $ssl_* variables show

    private static func text(_ p: UnsafePointer<CChar>?) -> [UInt8] {
        guard let p else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: strlen(p)))
    }

    public var protocolName: [UInt8] { Self.text(cswy_tls_protocol(ssl)) }
    public var cipherName: [UInt8] { Self.text(cswy_tls_cipher(ssl)) }
    public var serverName: [UInt8] { Self.text(cswy_tls_server_name(ssl)) }
    public var sessionReused: Bool { cswy_tls_session_reused(ssl) == 1 }

    public var alpn: [UInt8] {
        var n: Int32 = 0
        guard let p = cswy_tls_alpn(ssl, &n), n > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: Int(n)))
    }

    public var sessionID: [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        let n = cswy_tls_session_id(ssl, &out, 64)
        return Array(out.prefix(Int(n)))
    }

    /// The verdict on a client certificate: nil when none was sent, 0 when it verified, else X509's code.
    public var peerVerifyCode: Int? {
        var text: UnsafePointer<CChar>?
        let rc = cswy_tls_verify_result(ssl, &text)
        return rc < 0 ? nil : Int(rc)
    }

    public var peerVerifyText: [UInt8] {
        var text: UnsafePointer<CChar>?
        _ = cswy_tls_verify_result(ssl, &text)
        return Self.text(text)
    }

    private func peerText(_ body: (UnsafeMutablePointer<CChar>, Int32) -> Int32) -> [UInt8] {
        var out = [CChar](repeating: 0, count: 16384)
        let n = out.withUnsafeMutableBufferPointer { body($0.baseAddress!, Int32($0.count)) }
        return out.prefix(Int(n)).map { UInt8(bitPattern: $0) }
    }

    public var peerSubject: [UInt8] { peerText { cswy_tls_peer_subject(ssl, 0, $0, $1) } }
    public var peerIssuer: [UInt8] { peerText { cswy_tls_peer_subject(ssl, 1, $0, $1) } }
    public var peerCertificate: [UInt8] { peerText { cswy_tls_peer_pem(ssl, $0, $1) } }
    public var peerSerial: [UInt8] { peerText { cswy_tls_peer_serial(ssl, $0, $1) } }
    public var peerFingerprint: [UInt8] { peerText { cswy_tls_peer_fingerprint(ssl, $0, $1) } }
    public var peerSubjectLegacy: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 0, $0, $1) } }
    public var peerIssuerLegacy: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 1, $0, $1) } }
    public var peerValidFrom: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 2, $0, $1) } }
    public var peerValidUntil: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 3, $0, $1) } }
    public var peerDaysRemaining: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 4, $0, $1) } }
    public var clientCiphers: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 5, $0, $1) } }
    /// `$ssl_curve`: the group of the key exchange (`prime256v1`, `X25519`, `0x…` for one OpenSSL does not name).
    public var negotiatedCurve: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 6, $0, $1) } }
    /// `$ssl_curves`: the groups the client offered, `:`-separated.
    public var clientCurves: [UInt8] { peerText { cswy_tls_peer_extra(ssl, 7, $0, $1) } }
}

/// A TLS session kept to resume a later connection to the same upstream.
public final class TLSSession: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ p: UnsafeMutableRawPointer) { pointer = p }
    deinit { cswy_tls_session_free(pointer) }
}

// MARK: - OCSP (ssl_ocsp, ssl_stapling): the chain checked and the staples, through Sources/CTLS/ocsp.c

/// The verified chain of a client certificate (leaf first), held while its certificates are checked in turn.
public final class OCSPChain {
    let pointer: UnsafeMutableRawPointer
    public let count: Int

    private init(_ p: UnsafeMutableRawPointer, count: Int) { pointer = p; self.count = count }
    deinit { cswy_ocsp_chain_free(pointer) }

    public enum Found {
        /// No certificate, or one that failed verification (the 495 check answers that).
        case nothing
        case chain(OCSPChain)
        case failed(String)
    }

    /// The chain of the connection's client certificate.
    public static func of(_ stream: TLSStream) -> Found {
        var chain: UnsafeMutableRawPointer?
        var n: Int32 = 0
        switch cswy_ocsp_peer_chain(stream.ssl, &chain, &n) {
        case 1: return chain.map { .chain(OCSPChain($0, count: Int(n))) } ?? .nothing
        case 0: return .nothing
        default: return .failed("X509_verify_cert() failed" + TLSContext.errorText())
        }
    }

    /// The DER OCSP request for certificate `index` (issued by `index + 1`).
    public func request(at index: Int) -> [UInt8]? {
        var n: Int32 = 0
        // Written in place: one allocation a certificate, not a zeroed 4 KiB buffer and a copy of its prefix.
        let out = [UInt8](unsafeUninitializedCapacity: ocspRequestMax) { buf, count in
            n = cswy_ocsp_chain_request(pointer, Int32(index), buf.baseAddress!, Int32(buf.count))
            count = max(0, Int(n))
        }
        if n <= 0 { _ = TLSContext.errorText(); return nil }
        return out
    }

    /// The responder URL of certificate `index`'s Authority Information Access, nil when it names none.
    public func responder(at index: Int) -> [UInt8]? {
        let out = [UInt8](unsafeUninitializedCapacity: ocspRequestMax) { buf, count in
            let n = buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                cswy_ocsp_chain_aia(pointer, Int32(index), $0, Int32(buf.count))
            }
            count = max(0, Int(n))
        }
        return out.isEmpty ? nil : out
    }

    /// Judges a response for certificate `index` against `context`'s trusted certificates.
    public func check(_ der: [UInt8], at index: Int, context: TLSContext) -> OCSPVerdict {
        var status: Int32 = 0
        var next = -1
        let rc = cswy_ocsp_chain_check(context.pointer, pointer, Int32(index), der, der.count, &status, &next)
        return ocspVerdict(rc, status: status, next: next)
    }
}

extension TLSContext {
    /// ssl_trusted_certificate in the store (issuers of stapled certificates, signers of their responses), loaded
    /// as nginx loads it in every TLS server, without asking clients for certificates.
    public func addTrusted(_ path: String) throws(Failure) {
        if cswy_ocsp_ctx_trust(pointer, path) != 0 {
            throw Failure(message: "SSL_CTX_load_verify_locations(\"\(path)\") failed" + Self.errorText())
        }
    }

    /// Prepares stapling for each loaded certificate, in order; the context then asks its owner, through
    /// `TLSStream.stapleDue`, to fetch responses once clients ask for them.
    public func prepareStapling(verify: Bool) throws(Failure) -> [OCSPStapleSetup] {
        var setups: [OCSPStapleSetup] = []
        for index in 0..<8 {
            var out = [CChar](repeating: 0, count: ocspRequestMax)
            var subject = [CChar](repeating: 0, count: 1024)
            var n: Int32 = 0, m: Int32 = 0
            let rc = cswy_ocsp_staple_add(pointer, Int32(index), verify ? 1 : 0, &out, Int32(out.count), &n,
                                          &subject, Int32(subject.count), &m)
            let text = String(decoding: subject.prefix(Int(m)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            switch rc {
            case 0: setups.append(OCSPStapleSetup(subject: text, issuerFound: true,
                                                  aia: n > 0 ? out.prefix(Int(n)).map { UInt8(bitPattern: $0) } : nil))
            case 1: staples = setups; return setups
            case 2: setups.append(OCSPStapleSetup(subject: text, issuerFound: false, aia: nil))
            default: throw Failure(message: "SSL_CTX_set_ex_data() failed" + Self.errorText())
            }
        }
        staples = setups
        return setups
    }

    /// The DER OCSP request for stapled certificate `index`.
    public func stapleRequest(_ index: Int) -> [UInt8]? {
        var n: Int32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: ocspRequestMax) { buf, count in
            n = cswy_ocsp_staple_request(pointer, Int32(index), buf.baseAddress!, Int32(buf.count))
            count = max(0, Int(n))
        }
        if n <= 0 { _ = Self.errorText(); return nil }
        return out
    }

    /// A fetched response for stapled certificate `index`: nil once it is stapled, else why not (nginx's text).
    public func storeStaple(_ index: Int, _ der: [UInt8], now: Int) -> String? {
        var status: Int32 = 0
        let rc = cswy_ocsp_staple_store(pointer, Int32(index), der, der.count, now, &status)
        if rc == 0 { return nil }
        if rc == Int32(CSWY_OCSP_FAILURE) && status != 0 {
            return "certificate status \"\(status == 1 ? "revoked" : "unknown")\" in the OCSP response"
        }
        if case .refused(let why) = ocspVerdict(rc, status: status, next: -1) { return why }
        return "OCSP response not usable"
    }

    /// The fetch for stapled certificate `index` failed: the next one in five minutes.
    public func stapleFailed(_ index: Int, now: Int) { cswy_ocsp_staple_failed(pointer, Int32(index), now) }
}

extension TLSStream {
    /// After the handshake: the stapled certificate whose response this client found due, now this
    /// connection's owner's to fetch (nil: none).
    public var stapleDue: Int? {
        let i = cswy_ocsp_staple_due(ssl)
        return i < 0 ? nil : Int(i)
    }
}
