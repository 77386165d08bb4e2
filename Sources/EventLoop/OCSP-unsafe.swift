import CTLS

// OpenSSL's OCSP calls (Sources/CTLS/ocsp.c) for the proxy: a client certificate's chain to check (ssl_ocsp)
// and the responses stapled for a context's own certificates (ssl_stapling). Only requests and verdicts cross
// here; the HTTP exchange with a responder is the proxy's.

/// A certificate's status in an OCSP response.
public enum OCSPCertStatus: Int32, Sendable, Equatable {
    case good = 0, revoked = 1, unknown = 2
}

/// What a response said, or why it was refused (nginx's error text, OpenSSL's errors appended).
public enum OCSPVerdict: Sendable, Equatable {
    /// `nextUpdate` in seconds since the epoch, nil when the response has none.
    case status(OCSPCertStatus, nextUpdate: Int?)
    case refused(String)
}

/// The size a DER OCSP request or AIA URL may have here (a request names one certificate: well under 1 KiB).
private let requestMax = 4096

private func judged(_ rc: Int32, status: Int32, next: Int) -> OCSPVerdict {
    switch rc {
    case 0: return .status(OCSPCertStatus(rawValue: status) ?? .unknown, nextUpdate: next < 0 ? nil : next)
    case Int32(CSWY_OCSP_BAD_DER): return .refused("d2i_OCSP_RESPONSE() failed" + TLSContext.errorText())
    case Int32(CSWY_OCSP_NOT_SUCCESSFUL):
        let words = ["successful", "malformedrequest", "internalerror", "trylater", "", "sigrequired", "unauthorized"]
        let text = status >= 0 && Int(status) < words.count ? words[Int(status)] : "(unknown)"
        _ = TLSContext.errorText()
        return .refused("OCSP response not successful (\(status): \(text))")
    case Int32(CSWY_OCSP_NO_BASIC): return .refused("OCSP_response_get1_basic() failed" + TLSContext.errorText())
    case Int32(CSWY_OCSP_NOT_VERIFIED): return .refused("OCSP_basic_verify() failed" + TLSContext.errorText())
    case Int32(CSWY_OCSP_NO_STATUS):
        _ = TLSContext.errorText()
        return .refused("certificate status not found in the OCSP response")
    case Int32(CSWY_OCSP_NOT_VALID): return .refused("OCSP_check_validity() failed" + TLSContext.errorText())
    default: return .refused("OCSP response not usable" + TLSContext.errorText())
    }
}

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
        var out = [UInt8](repeating: 0, count: requestMax)
        let n = cswy_ocsp_chain_request(pointer, Int32(index), &out, Int32(out.count))
        if n <= 0 { _ = TLSContext.errorText(); return nil }
        return Array(out.prefix(Int(n)))
    }

    /// The responder URL of certificate `index`'s Authority Information Access, nil when it names none.
    public func responder(at index: Int) -> [UInt8]? {
        var out = [CChar](repeating: 0, count: requestMax)
        let n = cswy_ocsp_chain_aia(pointer, Int32(index), &out, Int32(out.count))
        return n > 0 ? out.prefix(Int(n)).map { UInt8(bitPattern: $0) } : nil
    }

    /// Judges a response for certificate `index` against `context`'s trusted certificates.
    public func check(_ der: [UInt8], at index: Int, context: TLSContext) -> OCSPVerdict {
        var status: Int32 = 0
        var next = -1
        let rc = cswy_ocsp_chain_check(context.pointer, pointer, Int32(index), der, der.count, &status, &next)
        return judged(rc, status: status, next: next)
    }
}

/// ssl_stapling for one of a context's certificates, as prepared at load.
public struct OCSPStapleSetup: Sendable, Equatable {
    /// The certificate's subject in OpenSSL's one-line form (`/CN=end`), for warnings.
    public let subject: String
    /// Its issuer is in neither its chain nor the trusted certificates: nothing can be stapled.
    public let issuerFound: Bool
    /// The responder URL of its AIA extension (nil when it names none).
    public let aia: [UInt8]?
}

extension TLSContext {
    /// ssl_trusted_certificate in the store (issuers of stapled certificates, signers of their responses),
    /// without asking clients for certificates.
    public func trustForStapling(_ path: String) throws(Failure) {
        if cswy_ocsp_ctx_trust(pointer, path) != 0 {
            throw Failure(message: "SSL_CTX_load_verify_locations(\"\(path)\") failed" + Self.errorText())
        }
    }

    /// Prepares stapling for each loaded certificate, in order; the context then asks its owner, through
    /// `TLSStream.stapleDue`, to fetch responses once clients ask for them.
    public func prepareStapling(verify: Bool) throws(Failure) -> [OCSPStapleSetup] {
        var setups: [OCSPStapleSetup] = []
        for index in 0..<8 {
            var out = [CChar](repeating: 0, count: requestMax)
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
        var out = [UInt8](repeating: 0, count: requestMax)
        let n = cswy_ocsp_staple_request(pointer, Int32(index), &out, Int32(out.count))
        if n <= 0 { _ = Self.errorText(); return nil }
        return Array(out.prefix(Int(n)))
    }

    /// A fetched response for stapled certificate `index`: nil once it is stapled, else why not (nginx's text).
    public func storeStaple(_ index: Int, _ der: [UInt8], now: Int) -> String? {
        var status: Int32 = 0
        let rc = cswy_ocsp_staple_store(pointer, Int32(index), der, der.count, now, &status)
        if rc == 0 { return nil }
        if rc == Int32(CSWY_OCSP_FAILURE) && status != 0 {
            return "certificate status \"\(status == 1 ? "revoked" : "unknown")\" in the OCSP response"
        }
        if case .refused(let why) = judged(rc, status: status, next: -1) { return why }
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
