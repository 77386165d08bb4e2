@testable import Config
import Testing

/// ssl_ocsp, ssl_ocsp_responder, ssl_ocsp_cache, ssl_stapling_responder and ssl_stapling_verify: parsed as nginx
/// parses them, inherited http → server, bad values `[emerg]` at their line.
struct OCSPDirectivesTests {
    @Test func theValuesAreParsedAndInherited() throws {
        let config = try load(http("""
            ssl_ocsp leaf; ssl_ocsp_cache shared:OCSP:1m; ssl_stapling_verify on;
            server { ssl_ocsp_responder http://127.0.0.1:8083/test; ssl_stapling_responder http://[::1]/; }
            """))
        let ssl = config.http!.servers[0].settings.ssl
        #expect(ssl.ocsp == .leaf)
        #expect(ssl.ocspCache == OCSPCacheZone(name: "OCSP", size: 1024 * 1024))
        #expect(ssl.ocspResponder?.port == 8083)
        #expect(ssl.ocspResponder?.path == "/test")
        #expect(ssl.staplingResponder?.host == "::1")
        #expect(ssl.staplingVerify)
        let plain = try load(http("server { }")).http!.servers[0].settings.ssl
        #expect(plain.ocsp == .off && plain.ocspCache == nil && plain.ocspResponder == nil)
    }

    @Test func badValuesAreErrorsAtTheirLine() {
        #expect(loadError(http("server {\nssl_ocsp maybe;\n}")) == "invalid value \"maybe\" in /c/nginx.conf:4")
        #expect(loadError(http("server {\nssl_ocsp_responder https://r/;\n}"))
                == "invalid URL prefix in OCSP responder \"https://r/\" in \"ssl_ocsp_responder\" in /c/nginx.conf:4")
        #expect(loadError(http("server {\nssl_stapling_responder http://r:99999/;\n}"))
                == "invalid port in OCSP responder \"http://r:99999/\" in \"ssl_stapling_responder\" in /c/nginx.conf:4")
        #expect(loadError(http("server {\nssl_ocsp_cache shared:OCSP:1k;\n}"))
                == "OCSP cache \"shared:OCSP:1k\" is too small in /c/nginx.conf:4")
        #expect(loadError(http("server {\nssl_ocsp_cache OCSP;\n}")) == "invalid OCSP cache \"OCSP\" in /c/nginx.conf:4")
    }

    @Test func responderURLs() {
        let plain = try? OCSPResponderURL.parse(Array("http://ocsp.example.com".utf8)).get()
        #expect(plain?.host == "ocsp.example.com" && plain?.port == 80 && plain?.path == "/")
        #expect(plain?.hostHeader == "ocsp.example.com")
        let full = try? OCSPResponderURL.parse(Array("HTTP://10.0.0.1:8080/a/b".utf8)).get()
        #expect(full?.host == "10.0.0.1" && full?.port == 8080 && full?.path == "/a/b" && full?.hostHeader == "10.0.0.1:8080")
        #expect(OCSPResponderURL.parse(Array("http://".utf8)) == .failure(.init(reason: "invalid URL prefix")))
        #expect(OCSPResponderURL.parse(Array("http://:80/".utf8)) == .failure(.init(reason: "no host")))
        #expect(OCSPResponderURL.parse(Array("ftp://x/".utf8)) == .failure(.init(reason: "invalid URL prefix")))
    }
}
