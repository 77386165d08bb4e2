@testable import Proxy
import SwitchyardTestSupport
import Testing

/// `charset`, `charset_types`, `source_charset` and `override_charset`: nginx's charset filter without recoding.
/// The charset goes on the Content-Type of a listed type that names none: files, `return`, switchyard's own
/// pages and proxied responses alike (h5bp's character_encodings.conf sets exactly this).
@Suite struct CharsetTests {
    @Test func charsetGoesOnListedTypesThatNameNone() throws {
        let backend = try MockBackend(name: "b") { req in
            switch req.target {
            case "/p/html": MockResponse(headers: [("Content-Type", "text/html")], text: "h")
            case "/p/named": MockResponse(headers: [("Content-Type", "text/css; Charset=iso-8859-1")], text: "c")
            case "/p/css": MockResponse(headers: [("Content-Type", "text/css")], text: "c")
            default: MockResponse(headers: [("Content-Type", "image/png")], text: "i")
            }
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            types { text/html html; text/css css; text/plain txt; }
            charset utf-8;
            charset_types text/css;
            override_charset off;
            server {
                listen 127.0.0.1:PORT;
                location /s/ { root site; source_charset UTF-8; }
                location /p/ { proxy_pass http://\(backend.address); }
                location /off/ { charset off; root site; }
            }
            """, files: ["site/s/a.css": "a{}\n", "site/s/a.txt": "t\n", "site/s/a.html": "<p>\n", "site/off/a.html": "<p>\n"])
        defer { f.proxy.stop() }
        #expect(try f.get("/s/a.css").header("Content-Type") == "text/css; charset=utf-8")
        #expect(try f.get("/s/a.txt").header("Content-Type") == "text/plain")   // the list replaced the default
        #expect(try f.get("/s/a.html").header("Content-Type") == "text/html; charset=utf-8")   // always listed
        #expect(try f.get("/s/none").header("Content-Type") == "text/html; charset=utf-8")    // the 404 page
        #expect(try f.get("/off/a.html").header("Content-Type") == "text/html")
        #expect(try f.get("/p/html").header("Content-Type") == "text/html; charset=utf-8")
        #expect(try f.get("/p/css").header("Content-Type") == "text/css; charset=utf-8")
        #expect(try f.get("/p/named").header("Content-Type") == "text/css; Charset=iso-8859-1")
        #expect(try f.get("/p/png").header("Content-Type") == "image/png")
    }

    /// Recoding needs a `charset_map` between the two charsets; nginx refuses to start without one, and
    /// switchyard has none.
    @Test func aSourceCharsetToRecodeFromIsRefused() throws {
        let error = #expect(throws: TestClientError.self) {
            _ = try Fixture(http: "charset utf-8; source_charset koi8-r; server { listen 127.0.0.1:PORT; }")
        }
        #expect(error?.description.contains("no \"charset_map\" between the charsets \"koi8-r\" and \"utf-8\"") == true)
    }

    /// The filter's rule without sockets: the media type in any case and with spaces before `;`, text/html always
    /// listed, `*` any type, and a charset the value names already kept.
    @Test func whichContentTypesTakeTheCharset() {
        let css = ResponseCharset(name: Array("utf-8".utf8), types: ["text/css"])
        #expect(css.takes(Array("Text/CSS ; q=1".utf8)))
        #expect(css.takes(Array("text/html".utf8)))
        #expect(!css.takes(Array("text/plain".utf8)))
        #expect(ResponseCharset(name: [], types: ["*"]).takes(Array("image/png".utf8)))
        var named = Array("text/css; Charset=latin1".utf8)
        css.append(to: &named)
        #expect(named == Array("text/css; Charset=latin1".utf8))
        var plain = Array("text/css".utf8)
        css.append(to: &plain)
        #expect(plain == Array("text/css; charset=utf-8".utf8))
    }
}
