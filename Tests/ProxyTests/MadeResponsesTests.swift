import Glibc
import SwitchyardTestSupport
import Testing

/// Answers switchyard makes itself, as nginx makes them: `return` with any code, the pages it has (and the codes
/// it has none for), `$status` while the answer is being made, and an error page served from a file.
@Suite struct MadeResponsesTests {
    /// nginx has pages for some codes only; `return 418` (or `try_files … =999`) goes out empty, with
    /// `Content-Length: 0` and no type. 408 and 499 close without an answer, logged with their code; 494 is
    /// answered as nginx answers a head too large, a 400 with its own page. The 401 page says "Authorization
    /// Required", as nginx's. Each got a page of its own here (`<title>418 </title>`, a 408 page, …).
    @Test func codesAreAnsweredWithNginxsPagesOrNone() throws {
        let dir = try TempDir.make()
        try TempDir.write(dir + "/htpasswd", "u:{PLAIN}p\n")
        let f = try Fixture(http: """
            log_format s '$uri $status';
            server {
                listen 127.0.0.1:PORT;
                access_log logs/made.log s;
                location /teapot { return 418; }
                location /legal { return 451; }
                location /toolarge { return 494; }
                location /timeout { return 408; }
                location /gone { return 499; }
                location /files { try_files $uri =999; }
                location /private { auth_basic "x"; auth_basic_user_file \(dir)/htpasswd; }
            }
            """)
        defer { f.proxy.stop() }
        for path in ["/teapot", "/legal", "/files/none"] {
            let r = try f.get(path)
            #expect(r.header("Content-Length") == "0" && r.body.isEmpty, "\(path)")
            #expect(r.header("Content-Type") == nil, "\(path)")
        }
        #expect(try f.get("/files/none").status == 999)
        let large = try f.get("/toolarge")
        #expect(large.status == 400)
        #expect(large.text.contains("<title>400 Request Header Or Cookie Too Large</title>"))
        for path in ["/timeout", "/gone"] {
            #expect(try f.raw("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n").isEmpty, "\(path)")
        }
        let log = f.logFile("logs/made.log", containing: "/gone")
        #expect(log.contains("/timeout 408") && log.contains("/gone 499"), "\(log)")
        let denied = try f.get("/private")
        #expect(denied.status == 401)
        #expect(denied.text.contains("<title>401 Authorization Required</title>")
                && denied.text.contains("<h1>401 Authorization Required</h1>"))
    }

    /// `return 204 "text"` and `return 304 "text"` send the head alone, as nginx does (the 304 with the text's
    /// length, a bare `return 304` with `Content-Length: 0`). The text went out after the head, so the next answer
    /// on a kept-alive connection started with it.
    @Test func noBodyAfterA204OrA304Return() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /nocontent { return 204 "text"; }
                location /unchanged { return 304 "text"; }
                location /bare { return 304; }
                location /next { return 200 "next"; }
            }
            """)
        defer { f.proxy.stop() }
        for path in ["/nocontent", "/unchanged", "/bare"] {
            let wire = try f.raw("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answers = wire.split(separator: "\r\n\r\n", omittingEmptySubsequences: false).map(String.init)
            #expect(answers.count == 3 && answers[1].hasPrefix("HTTP/1.1 200 OK") && answers[2] == "next", "\(path): \(wire)")
            let head = answers[0]
            switch path {
            case "/nocontent": #expect(!head.contains("Content-Length") && !head.contains("Content-Type"), "\(head)")
            case "/unchanged": #expect(head.contains("\r\nContent-Length: 4"), "\(head)")
            default: #expect(head.contains("\r\nContent-Length: 0"), "\(head)")
            }
        }
    }

    /// `$status` read while the answer is made is the answer's (nginx sets it before the text is evaluated), or the
    /// error an error_page is answering (nginx's err_status), in three digits: `000` before there is any. It read
    /// 0 in all four (`{"code":0}` for a JSON error page built from it).
    @Test func statusIsTheAnswersWhileItIsMade() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: "got \(req.header("X-Status") ?? "none")") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root /nonexistent;
                error_page 404 @json;
                location @json { default_type application/json; return 503 '{"code":$status}'; }
                location /plain { return 200 "status $status"; }
                location /up { proxy_pass http://\(backend.address); proxy_set_header X-Status $status; }
                location /tagged { proxy_pass http://\(backend.address); add_header X-St $status always; }
            }
            """)
        defer { f.proxy.stop() }
        let missing = try f.get("/missing")
        #expect(missing.status == 404 && missing.text == #"{"code":404}"#)
        #expect(try f.get("/plain").text == "status 200")
        #expect(try f.get("/up").text == "got 000")
        #expect(try f.get("/tagged").header("X-St") == "200")   // a proxied answer's, as its head is written
    }

    /// A client that waits for `100 Continue` before its body gets it before an answer switchyard makes (nginx asks
    /// for the body it then skips), and the connection goes on; the answer went out at once and the connection
    /// closed. An error asks for nothing (the body may never come): that connection still ends with it.
    @Test func anAnswerAsksForTheBodyItSkips() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /ok { return 200 "ok"; }
                location /no { return 403; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(try c.readInterim() == 100)
        let answer = try c.readResponse()
        #expect(answer.status == 200 && answer.text == "ok" && answer.header("Connection") != "close")
        try c.send("hello")
        try c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "ok")
        let refused = try f.raw("POST /no HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(refused.hasPrefix("HTTP/1.1 403 ") && refused.contains("Connection: close"), "\(refused)")
    }

    /// Answers switchyard makes go through gzip as nginx's do: `return` text of a gzip_types type and its own 404
    /// page, for a client that accepts gzip, once at least gzip_min_length long; `Vary` whether compressed or not.
    /// They went out plain (nginx compresses them, Debian's default nginx.conf has `gzip on`).
    @Test func madeAnswersAreCompressedAsNginxs() throws {
        let text = String(repeating: "switchyard makes this answer itself. ", count: 20)
        let f = try Fixture(http: """
            gzip on; gzip_vary on; gzip_types text/plain;
            server {
                listen 127.0.0.1:PORT;
                root /nonexistent;
                location /text { default_type text/plain; return 200 "\(text)"; }
                location /short { default_type text/plain; return 200 "tiny"; }
                location /teapot { default_type text/plain; return 500 "\(text)"; }
            }
            """)
        defer { f.proxy.stop() }
        let gz = ["Accept-Encoding": "gzip"]
        let packed = try f.get("/text", headers: gz)
        #expect(packed.header("Content-Encoding") == "gzip" && packed.header("Vary") == "Accept-Encoding")
        #expect(packed.header("Content-Length") == String(packed.body.count))
        #expect(String(decoding: try ProxyGzipTests.inflate(packed.body), as: UTF8.self) == text)
        let page = try f.get("/missing", headers: gz)
        #expect(page.status == 404 && page.header("Content-Encoding") == "gzip")
        #expect(String(decoding: try ProxyGzipTests.inflate(page.body), as: UTF8.self).contains("<title>404 Not Found</title>"))
        let plain = try f.get("/text")
        #expect(plain.header("Content-Encoding") == nil && plain.header("Vary") == "Accept-Encoding" && plain.text == text)
        #expect(try f.get("/short", headers: gz).header("Content-Encoding") == nil)   // below gzip_min_length (20)
        #expect(try f.get("/teapot", headers: gz).header("Content-Encoding") == nil)   // nginx: 200, 403 and 404 only
    }

    /// An error page served from a file carries no Last-Modified (nginx's header filter keeps it on a 200, 206 or
    /// 304 only): a cache between would otherwise revalidate an error as if it were the page.
    @Test func anErrorPageFromAFileHasNoLastModified() throws {
        let dir = try TempDir.make()
        try TempDir.write(dir + "/404.html", "<p>not here</p>\n")
        try TempDir.write(dir + "/page.html", "page\n")
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root \(dir);
                error_page 404 /404.html;
            }
            """)
        defer { f.proxy.stop() }
        let missing = try f.get("/nothing")
        #expect(missing.status == 404 && missing.text == "<p>not here</p>\n")
        #expect(missing.header("Last-Modified") == nil)
        #expect(try f.get("/page.html").header("Last-Modified") != nil)
    }
}
