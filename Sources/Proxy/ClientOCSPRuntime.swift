import Config

/// A server's `ssl_ocsp` (with `ssl_ocsp_responder`, `ssl_ocsp_cache`, `resolver`, `resolver_timeout`), frozen:
/// what each handshake with a client certificate on its context checks before the first request is read.
final class ClientOCSPRuntime: Sendable {
    /// `leaf`: the client's own certificate only; `on`: every certificate of the chain but the root.
    let leafOnly: Bool
    /// ssl_ocsp_responder, its addresses found at load; nil: each certificate's AIA responder.
    let responder: OCSPTarget?
    /// For an AIA responder given by name.
    let resolver: ResolverRuntime?
    let timeoutMillis: Int
    let cache: OCSPCache?

    init(leafOnly: Bool, responder: OCSPTarget?, resolver: ResolverRuntime?, timeoutMillis: Int, cache: OCSPCache?) {
        self.leafOnly = leafOnly
        self.responder = responder
        self.resolver = resolver
        self.timeoutMillis = timeoutMillis
        self.cache = cache
    }

    /// Where certificate `aia`'s status is asked: the configured responder, else the certificate's own.
    func target(aia: [UInt8]?) -> Result<OCSPTarget, OCSPFetch.Failure> {
        if let responder { return .success(responder) }
        guard let aia else { return .failure(OCSPFetch.Failure(message: "no OCSP responder URL in certificate")) }
        switch OCSPResponderURL.parse(aia) {
        case .success(let url):
            return .success(OCSPTarget(url: url, addresses: [], resolver: resolver, timeoutMillis: timeoutMillis))
        case .failure(let e):
            return .failure(OCSPFetch.Failure(message: "\(e.reason) in OCSP responder \"\(String(decoding: aia, as: UTF8.self))\" in certificate"))
        }
    }
}
