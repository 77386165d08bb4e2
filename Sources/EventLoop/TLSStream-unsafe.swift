import Glibc
import CTLS

/// One TLS connection (`SSL`) on a non-blocking socket of this worker: OpenSSL reads and writes the descriptor
/// itself (no memory BIO, no extra copy), driven by the same readiness events as a plain socket. One of the
/// named unsafe files: the `SSL` pointer, the buffers handed to it, and the SNI callback's `Unmanaged` self.
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
    /// or the space is used, then whatever of a record OpenSSL still holds, so nothing waits inside the
    /// connection where no readiness event would announce it.
    public func read(into buffer: IOBuffer, chunk: Int) -> IOResult {
        if buffer.capacity - buffer.tail < chunk / 2 || !buffer.hasStorage { buffer.reserve(chunk) }
        var total = 0
        while true {
            let space = buffer.writable
            if space.count == 0 {
                let pending = Int(cswy_tls_pending(ssl))
                if pending == 0 { break }
                buffer.reserve(pending)
                continue
            }
            let n = cswy_tls_read(ssl, space.baseAddress, space.count)
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
}

/// A TLS session kept to resume a later connection to the same upstream.
public final class TLSSession: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ p: UnsafeMutableRawPointer) { pointer = p }
    deinit { cswy_tls_session_free(pointer) }
}
