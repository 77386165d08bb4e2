import CTLS

// What OpenSSL's OCSP calls (Sources/CTLS/ocsp.c) give the proxy: a certificate's status, a response's
// verdict, a stapled certificate's setup. The calls themselves, which hand buffers and OpenSSL's pointers to C,
// are in OpenSSL-unsafe.swift (`OCSPChain`, the TLSContext and TLSStream extensions); the HTTP exchange with a
// responder is the proxy's.

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
let ocspRequestMax = 4096

func ocspVerdict(_ rc: Int32, status: Int32, next: Int) -> OCSPVerdict {
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

/// ssl_stapling for one of a context's certificates, as prepared at load.
public struct OCSPStapleSetup: Sendable, Equatable {
    /// The certificate's subject in OpenSSL's one-line form (`/CN=end`), for warnings.
    public let subject: String
    /// Its issuer is in neither its chain nor the trusted certificates: nothing can be stapled.
    public let issuerFound: Bool
    /// The responder URL of its AIA extension (nil when it names none).
    public let aia: [UInt8]?
}
