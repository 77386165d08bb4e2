@testable import Config
import Testing

/// `proxy_ssl_certificate` / `_key` with variables (kept as templates, relative to the configuration's directory)
/// or an empty value (no certificate, overriding a level above).
struct ProxySSLCertificateDirectiveTests {
    @Test func proxySSLCertificateWithVariablesOrEmpty() throws {
        let config = try load(http("""
            proxy_ssl_certificate $arg_c.crt; proxy_ssl_certificate_key $arg_c.key;
            server { listen 80;
                     location / { }
                     location /none { proxy_ssl_certificate ""; proxy_ssl_certificate_key ""; } }
            """))
        let locs = config.http!.servers[0].locations
        let cert = locs[0].settings.proxySSL.certificate
        #expect(cert?.variable == (try Template("$arg_c.crt")))
        #expect(cert?.directory == "/c/")
        #expect(locs[1].settings.proxySSL.certificate?.path == "")
        #expect(locs[1].settings.proxySSL.certificate?.variable == nil)
    }
}
