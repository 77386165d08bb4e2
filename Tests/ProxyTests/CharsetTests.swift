@testable import Proxy
import Config
import SwitchyardTestSupport
import Testing

/// `charset`, `charset_types`, `source_charset`, `override_charset` and `charset_map`: nginx's charset filter.
/// The charset goes on the Content-Type of a listed type that names none: files, `return`, switchyard's own
/// pages and proxied responses alike (h5bp's character_encodings.conf sets exactly this); with a map between the
/// source charset and `charset`, the body is recoded.
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

    /// Recoding needs a `charset_map` between the two charsets; nginx refuses to start without one (its message
    /// names no place).
    @Test func aSourceCharsetToRecodeFromIsRefused() throws {
        let error = #expect(throws: TestClientError.self) {
            _ = try Fixture(http: "charset utf-8; source_charset koi8-r; server { listen 127.0.0.1:PORT; }")
        }
        #expect(error?.description.contains("no \"charset_map\" between the charsets \"koi8-r\" and \"utf-8\"\n") == true)
    }

    static let koiUTF = "charset_map koi8-r utf-8 { C6 D184; A3 D191; }"
    static let koi: [UInt8] = [0x41, 0xc6, 0xa3]   // "Aфё" in koi8-r

    /// A file in UTF-8 served as koi8-r: the characters the map has become its bytes, the others `&#NNNN;`; the
    /// length changes, so there is none (chunked), and no ranges; the validators stay, as in nginx.
    @Test func aFileIsRecodedFromTheSourceCharset() throws {
        let f = try Fixture(http: """
            \(Self.koiUTF)
            server {
                listen 127.0.0.1:PORT;
                location / { root site; charset koi8-r; source_charset utf-8; }
                location /same/ { root site; charset KOI8-R; source_charset koi8-r; }
            }
            """, files: ["site/a.html": "Aфё é", "site/same/a.html": "Aфё"])
        defer { f.proxy.stop() }
        let r = try f.get("/a.html", headers: ["Range": "bytes=0-1"])
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/html; charset=koi8-r")
        #expect(r.body == Self.koi + Array(" &#233;".utf8))
        #expect(r.header("Content-Length") == nil && r.header("Accept-Ranges") == nil)
        #expect(r.header("ETag")?.hasPrefix("\"") == true && r.header("Last-Modified") != nil)
        let same = try f.get("/same/a.html")
        #expect(same.header("Content-Type") == "text/html; charset=KOI8-R")
        #expect(same.text == "Aфё" && same.header("Content-Length") == "5")
    }

    /// A proxied response names its charset: `override_charset on` recodes it to `charset` and says so; off, it
    /// passes as it is. `X-Accel-Charset` from the upstream asks for a charset where the location sets none. A
    /// compressed body is never recoded.
    @Test func proxiedResponsesAreRecoded() throws {
        let backend = try MockBackend(name: "b") { req in
            switch req.target {
            case "/koi": MockResponse(headers: [("Content-Type", "text/html; charset=\"KOI8-R\"")], body: Self.koi)
            case "/accel": MockResponse(headers: [("Content-Type", "text/plain; charset=utf-8"), ("X-Accel-Charset", "koi8-r")],
                                        text: "Aфё€")
            case "/gz": MockResponse(headers: [("Content-Type", "text/html; charset=koi8-r"), ("Content-Encoding", "gzip")],
                                     body: Self.koi)
            default: MockResponse(headers: [("Content-Type", "text/html; charset=koi8-r")], body: Self.koi)
            }
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            \(Self.koiUTF)
            server {
                listen 127.0.0.1:PORT;
                location / { charset utf-8; override_charset on; proxy_pass http://\(backend.address); }
                location /plain/ { charset utf-8; proxy_pass http://\(backend.address)/; }
                location /accel { proxy_pass http://\(backend.address); }
                location /ign/ { proxy_pass http://\(backend.address)/; proxy_ignore_headers X-Accel-Charset; }
            }
            """)
        defer { f.proxy.stop() }
        let koi = try f.get("/koi")
        #expect(koi.header("Content-Type") == "text/html; charset=utf-8")
        #expect(koi.text == "Aфё" && koi.header("Content-Length") == nil)
        let plain = try f.get("/plain/koi")
        #expect(plain.header("Content-Type") == "text/html; charset=\"KOI8-R\"" && plain.body == Self.koi)
        let accel = try f.get("/accel")
        #expect(accel.header("Content-Type") == "text/plain; charset=koi8-r")
        #expect(accel.body == Self.koi + Array("&#8364;".utf8))
        #expect(accel.header("X-Accel-Charset") == nil)
        let ignored = try f.get("/ign/accel")   // proxy_ignore_headers: the field asks for nothing
        #expect(ignored.header("Content-Type") == "text/plain; charset=utf-8" && ignored.text == "Aфё€")
        let gz = try f.get("/gz")
        #expect(gz.header("Content-Type") == "text/html; charset=koi8-r" && gz.body == Self.koi)
    }

    /// `charset $var`: the name is the variable's value per response; one nginx does not know and that is not the
    /// source either is nginx's error line, and the response goes unmarked.
    @Test func aCharsetFromAVariable() throws {
        let f = try Fixture(http: """
            \(Self.koiUTF)
            server {
                listen 127.0.0.1:PORT;
                location / { root site; charset $arg_c; source_charset utf-8; }
            }
            """, files: ["site/a.html": "Aфё"])
        defer { f.proxy.stop() }
        let koi = try f.get("/a.html?c=koi8-r")
        #expect(koi.header("Content-Type") == "text/html; charset=koi8-r" && koi.body == Self.koi)
        let utf = try f.get("/a.html?c=UTF-8")
        #expect(utf.header("Content-Type") == "text/html; charset=UTF-8" && utf.text == "Aфё")
        let other = try f.get("/a.html?c=latin1")
        #expect(other.header("Content-Type") == "text/html" && other.text == "Aфё")
        #expect(f.logFile("logs/error.log", containing: "no \"charset_map\" between the charsets \"utf-8\" and \"latin1\"")
            .contains("[error]"))
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

    /// An 8-bit map keeps the length: the response keeps Content-Length and its ranges (one, or several as
    /// multipart), the bytes recoded, as nginx's range filter cuts before its charset filter recodes. Files small
    /// and large, and a cached response's ranges alike.
    @Test func eightBitRecodingKeepsLengthAndRanges() throws {
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/html; charset=B"), ("Accept-Ranges", "bytes")],
                         text: String(repeating: "X", count: 30))
        }
        defer { backend.stop() }
        let big = String(repeating: "X", count: 40_000) + "Z"
        let f = try Fixture(http: """
            charset_map B A { 58 59; }
            proxy_cache_path cache keys_zone=c:1m;
            server {
                listen 127.0.0.1:PORT;
                location / { root site; charset A; source_charset B; }
                location /z/ { alias site/; charset A; source_charset B; gzip on; gzip_min_length 1; }
                location /p/ { charset A; override_charset on; proxy_pass http://\(backend.address)/; }
                location /c/ { charset A; override_charset on; proxy_pass http://\(backend.address)/;
                               proxy_cache c; proxy_cache_valid 200 1m; }
            }
            """, files: ["site/t.html": "X0123456789X", "site/big.html": big])
        defer { f.proxy.stop() }
        let whole = try f.get("/t.html")
        #expect(whole.text == "Y0123456789Y" && whole.header("Content-Length") == "12")
        #expect(whole.header("Content-Type") == "text/html; charset=A" && whole.header("Accept-Ranges") == "bytes")
        let one = try f.get("/t.html", headers: ["Range": "bytes=0-3"])
        #expect(one.status == 206 && one.text == "Y012" && one.header("Content-Range") == "bytes 0-3/12")
        let parts = try f.get("/t.html", headers: ["Range": "bytes=0-0,-1"])
        #expect(parts.status == 206 && parts.text.contains("\r\nY\r\n--"))
        #expect(parts.text.contains("Content-Type: text/html; charset=A\r\n"))
        // With gzip on: a client that takes it gets the recoded body compressed, one that does not the ranges.
        let zipped = try f.get("/z/big.html", headers: ["Accept-Encoding": "gzip"])
        #expect(zipped.header("Content-Encoding") == "gzip" && zipped.header("Content-Length") == nil)
        let zRange = try f.get("/z/t.html", headers: ["Range": "bytes=0-3"])
        #expect(zRange.status == 206 && zRange.text == "Y012")
                let large = try f.get("/big.html")
        #expect(large.body.count == 40_001 && !large.text.contains("X") && large.text.hasSuffix("YZ"))
        let tail = try f.get("/big.html", headers: ["Range": "bytes=-3"])
        #expect(tail.status == 206 && tail.text == "YYZ")
        let proxied = try f.get("/p/x")
        #expect(proxied.text == String(repeating: "Y", count: 30) && proxied.header("Content-Length") == "30")
        #expect(proxied.header("Content-Type") == "text/html; charset=A")
        _ = try f.get("/c/x")
        let hit = try f.get("/c/x")
        #expect(hit.text == String(repeating: "Y", count: 30) && hit.header("Content-Length") == "30")
        let cached = try f.get("/c/x", headers: ["Range": "bytes=0-1,5-5"])
        #expect(cached.status == 206 && cached.text.contains("Content-Type: text/html; charset=A\r\n"))
        #expect(cached.text.contains("\r\nYY\r\n") && !cached.text.contains("XX"))
    }

    /// A FastCGI application's response that names its charset, recoded with `override_charset on`; its body comes
    /// in one-byte records, so UTF-8 characters arrive split. A redirect's page is not marked (nginx's rule for
    /// 301 and 302).
    @Test func fastCGIResponsesAndRedirects() throws {
        let app = try MockFastCGIBackend { _ in
            .cgi(headers: [("Content-Type", "text/html; charset=utf-8")], body: Array("Aфё€".utf8), recordSize: 1)
        }
        defer { app.stop() }
        let f = try Fixture(http: """
            \(Self.koiUTF)
            charset koi8-r;
            server {
                listen 127.0.0.1:PORT;
                location /php { override_charset on; fastcgi_pass \(app.address); }
                location /moved { return 301 /php; }
                location /found { return 302 /php; }
                location /gone { return 410; }
            }
            """)
        defer { f.proxy.stop() }
        let php = try f.get("/php")
        #expect(php.header("Content-Type") == "text/html; charset=koi8-r")
        #expect(php.body == Self.koi + Array("&#8364;".utf8))
        #expect(try f.get("/moved").header("Content-Type") == "text/html")
        #expect(try f.get("/found").header("Content-Type") == "text/html")
        #expect(try f.get("/gone").header("Content-Type") == "text/html; charset=koi8-r")
    }

    /// nginx's header filter as a value (ResponseCharset.plan): what the Content-Type becomes and whether the body
    /// is recoded, for the response's own charset, `override_charset`, `X-Accel-Charset`, a Content-Encoding.
    @Test func thePlanFollowsNginxsHeaderFilter() {
        let maps = CharsetMaps([CharsetMapConfig(from: "koi8-r", to: "utf-8",
                                                 lines: [.init(byte: 0xc6, target: [0xd1, 0x84])],
                                                 location: SourceLocation(file: "t", line: 1))],
                               names: ["windows-1251"])
        let off = ResponseCharset(destination: .off, maps: maps, types: ResponseCharset.standardTypes)
        let utf = ResponseCharset(destination: .fixed(Array("utf-8".utf8)), maps: maps, types: ResponseCharset.standardTypes)
        let over = ResponseCharset(destination: .fixed(Array("utf-8".utf8)), override: true, maps: maps,
                                   types: ResponseCharset.standardTypes)
        func plan(_ cs: ResponseCharset, _ type: String, xa: String? = nil, status: Int = 200, encoded: Bool = false)
            -> (String?, Bool, String?) {
            let p = cs.plan(Array(type.utf8), override: xa.map { Array($0.utf8) }, status: status, encoded: encoded,
                            request: nil)
            return (p.contentType.map { String(decoding: $0, as: UTF8.self) }, p.recode != nil, p.error)
        }
        #expect(plan(off, "text/html") == (nil, false, nil))
        #expect(plan(utf, "text/html") == ("text/html; charset=utf-8", false, nil))
        #expect(plan(utf, "image/png") == (nil, false, nil))
        #expect(plan(utf, "text/html", status: 302) == ("text/html", false, nil))
        #expect(plan(utf, "text/html; charset=koi8-r") == (nil, false, nil))               // override_charset off
        #expect(plan(over, "text/html;  charset=\"KOI8-R\"") == ("text/html; charset=utf-8", true, nil))
        #expect(plan(over, "image/png; charset=koi8-r") == ("image/png; charset=utf-8", true, nil))   // types: not asked
        #expect(plan(over, "text/html; charset=koi8-r", encoded: true) == (nil, false, nil))
        #expect(plan(over, "text/html; charset=UTF-8") == ("text/html; charset=utf-8", false, nil))
        #expect(plan(over, "text/html; charset=windows-1251")
                == (nil, false, "no \"charset_map\" between the charsets \"windows-1251\" and \"utf-8\""))
        #expect(plan(over, "text/html; charset=latin1")
                == (nil, false, "no \"charset_map\" between the charsets \"latin1\" and \"utf-8\""))
        #expect(plan(off, "text/plain; charset=utf-8", xa: "koi8-r") == ("text/plain; charset=koi8-r", true, nil))
        #expect(plan(off, "text/plain; charset=utf-8", xa: "latin1") == (nil, false, "unknown charset \"latin1\" to override"))
        #expect(plan(utf, "") == (nil, false, nil))
    }

    /// An SSI include's body is recoded to the page's charset (nginx recodes a subrequest to its main request's),
    /// from the charset its own location's files are in; the page itself is recoded before SSI reads it.
    @Test func anSSIIncludeIsRecodedToThePagesCharset() throws {
        let f = try Fixture(http: """
            \(Self.koiUTF)
            server {
                listen 127.0.0.1:PORT;
                location / { root site; ssi on; charset koi8-r; source_charset utf-8; }
                location /inc/ { root site; source_charset utf-8; }
            }
            """, files: ["site/page.html": "ф<!--# include virtual=\"/inc/part.html\" -->ё", "site/inc/part.html": "[ф]"])
        defer { f.proxy.stop() }
        let r = try f.get("/page.html")
        #expect(r.header("Content-Type") == "text/html; charset=koi8-r")
        #expect(r.body == [0xc6] + Array("[".utf8) + [0xc6] + Array("]".utf8) + [0xa3])
    }
}
