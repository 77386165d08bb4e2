import Config
import EventLoop
import HTTP1

/// The `$ssl_*` variables (ngx_http_ssl_module's), empty on a plain connection.
enum TLSVariable: String, Sendable, Equatable {
    case sslProtocol = "ssl_protocol", sslCipher = "ssl_cipher", sslSessionID = "ssl_session_id"
    case sslSessionReused = "ssl_session_reused", sslServerName = "ssl_server_name"
    case sslALPNProtocol = "ssl_alpn_protocol", sslEarlyData = "ssl_early_data"
    case sslClientVerify = "ssl_client_verify", sslClientSDN = "ssl_client_s_dn", sslClientIDN = "ssl_client_i_dn"
    case sslClientCert = "ssl_client_cert", sslClientRawCert = "ssl_client_raw_cert"
    case sslClientEscapedCert = "ssl_client_escaped_cert", sslClientSerial = "ssl_client_serial"
    case sslClientFingerprint = "ssl_client_fingerprint"
    case sslClientSDNLegacy = "ssl_client_s_dn_legacy", sslClientIDNLegacy = "ssl_client_i_dn_legacy"
    case sslClientVStart = "ssl_client_v_start", sslClientVEnd = "ssl_client_v_end"
    case sslClientVRemain = "ssl_client_v_remain", sslCiphers = "ssl_ciphers"
    case sslCurve = "ssl_curve", sslCurves = "ssl_curves"
}

enum TLSVariables {
    static func append(_ v: TLSVariable, connection c: ClientConnection, to out: inout [UInt8]) {
        guard let tls = c.transport.tls else { return }
        switch v {
        case .sslProtocol: out.append(contentsOf: tls.protocolName)
        case .sslCipher: out.append(contentsOf: tls.cipherName)
        case .sslSessionID:
            for b in tls.sessionID { out.append(hex(b >> 4)); out.append(hex(b & 15)) }
        case .sslSessionReused: out.append(tls.sessionReused ? UInt8(ascii: "r") : UInt8(ascii: "."))
        case .sslServerName: out.append(contentsOf: tls.serverName)
        case .sslALPNProtocol: out.append(contentsOf: tls.alpn)
        case .sslEarlyData: break
        case .sslClientVerify:
            guard c.request.server?.verifyClient ?? .off != .off, let code = tls.peerVerifyCode else {
                out.append(static: "NONE"); return
            }
            if code == 0 {
                // ssl_ocsp's verdict, when the certificate itself verified
                if let why = c.ocspCheck?.failure { out.append(static: "FAILED:"); out.append(contentsOf: why.utf8); return }
                out.append(static: "SUCCESS"); return
            }
            out.append(static: "FAILED:"); out.append(contentsOf: tls.peerVerifyText)
        case .sslClientSDN: out.append(contentsOf: tls.peerSubject)
        case .sslClientIDN: out.append(contentsOf: tls.peerIssuer)
        case .sslClientRawCert: out.append(contentsOf: tls.peerCertificate)
        case .sslClientCert:
            // nginx's deprecated form: every line after the first starts with a tab.
            var pem = tls.peerCertificate
            if pem.last == 10 { pem.removeLast() }
            for b in pem { out.append(b); if b == 10 { out.append(9) } }
        case .sslClientEscapedCert:
            for b in tls.peerCertificate {
                if isUnreserved(b) { out.append(b) } else { out.append(UInt8(ascii: "%")); out.append(upperHex(b >> 4)); out.append(upperHex(b & 15)) }
            }
        case .sslClientSerial: out.append(contentsOf: tls.peerSerial)
        case .sslClientFingerprint: out.append(contentsOf: tls.peerFingerprint)
        case .sslClientSDNLegacy: out.append(contentsOf: tls.peerSubjectLegacy)
        case .sslClientIDNLegacy: out.append(contentsOf: tls.peerIssuerLegacy)
        case .sslClientVStart: out.append(contentsOf: tls.peerValidFrom)
        case .sslClientVEnd: out.append(contentsOf: tls.peerValidUntil)
        case .sslClientVRemain: out.append(contentsOf: tls.peerDaysRemaining)
        case .sslCiphers: out.append(contentsOf: tls.clientCiphers)
        case .sslCurve: out.append(contentsOf: tls.negotiatedCurve)
        case .sslCurves: out.append(contentsOf: tls.clientCurves)
        }
    }

    private static func hex(_ n: UInt8) -> UInt8 { n < 10 ? 48 + n : 87 + n }
    private static func upperHex(_ n: UInt8) -> UInt8 { n < 10 ? 48 + n : 55 + n }

    /// nginx's NGX_ESCAPE_URI_COMPONENT keeps letters, digits and `-._~`.
    private static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46 || b == 95 || b == 126
    }
}

/// Checks before a request on a TLS address is served (nginx's ngx_http_process_request): plain HTTP to the
/// TLS port (497), a client certificate that failed verification or its OCSP check (495) or was required and
/// not sent (496).
/// Each is answered as a 400 with nginx's text, or as `error_page` for that code says.
enum TLSChecks {
    /// True when the request was answered.
    static func refuse(_ r: Request, connection c: ClientConnection) -> Bool {
        if c.plainOnTLSPort {
            c.worker.log(.info, "client sent plain HTTP request to HTTPS port while reading client request headers", c)
            r.location = r.server.fallback
            c.sendError(497, closeAfter: true)
            return true
        }
        guard let tls = c.transport.tls else { return false }
        let mode = r.server.verifyClient
        if mode == .off { return false }
        if let code = tls.peerVerifyCode, code != 0, mode != .optionalNoCA || !optionalError(code) {
            c.worker.log(.info, "client SSL certificate verify error: (\(code):\(String(decoding: tls.peerVerifyText, as: UTF8.self))) while reading client request headers", c)
            r.location = r.server.fallback
            c.sendError(495, closeAfter: true)
            return true
        }
        if mode == .on && tls.peerVerifyCode == nil {
            c.worker.log(.info, "client sent no required SSL certificate while reading client request headers", c)
            r.location = r.server.fallback
            c.sendError(496, closeAfter: true)
            return true
        }
        if let why = c.ocspCheck?.failure {
            c.worker.log(.info, "client SSL certificate verify error: \(why) while reading client request headers", c)
            r.location = r.server.fallback
            c.sendError(495, closeAfter: true)
            return true
        }
        return false
    }

    /// Answers 421 when the Host names another server than SNI selected and that one verifies clients.
    static func refuseMisdirected(_ r: Request, host: [UInt8], connection c: ClientConnection) -> Bool {
        guard let sni = c.sniServerName, r.head.hostRange != nil,
              misdirected(sni: sni, host: host, hostServerVerifies: r.server.verifyClient != .off) else { return false }
        c.worker.log(.info, "client attempted to request the server name different from the one that was negotiated while reading client request headers", c)
        r.location = r.server.fallback
        c.sendError(421, closeAfter: true)
        return true
    }

    /// nginx's 421: the Host names another server than the one SNI selected, and that server verifies client
    /// certificates, which the handshake made under the SNI server's settings did not check for it.
    static func misdirected(sni: [UInt8], host: [UInt8], hostServerVerifies: Bool) -> Bool {
        sni != host && hostServerVerifies
    }

    /// Errors `optional_no_ca` lets pass (nginx's ngx_ssl_verify_error_optional).
    static func optionalError(_ code: Int) -> Bool { [2, 18, 19, 20, 21, 27].contains(code) }
}
