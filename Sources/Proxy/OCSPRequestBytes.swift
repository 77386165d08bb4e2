import Config
import Digest

/// The HTTP request that asks an OCSP responder (nginx's ngx_ssl_ocsp_create_request): a GET whose path is the
/// responder URL's followed by the DER request in base64, escaped as a URI component, over HTTP/1.0 so the
/// responder closes after its answer.
///
///     GET /test/MEIwQDA%2BMDwwOjAJBgUrDgMCGgUABBR... HTTP/1.0\r\nHost: 127.0.0.1:8083\r\n\r\n
enum OCSPRequestBytes {
    static func make(der: [UInt8], responder: OCSPResponderURL) -> [UInt8] {
        var out = Array("GET ".utf8)
        out.append(contentsOf: responder.path.utf8)
        if out.last != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        URIComponent.append(Base64.encode(der), to: &out)   // base64's `+`, `/` and `=` as %2B, %2F, %3D
        out.append(contentsOf: " HTTP/1.0\r\nHost: ".utf8)
        out.append(contentsOf: responder.hostHeader.utf8)
        out.append(contentsOf: "\r\n\r\n".utf8)
        return out
    }
}
