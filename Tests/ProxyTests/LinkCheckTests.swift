import Config
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// valid_referers and secure_link through a running switchyard: what a browser or a signed URL gets.
@Suite(.serialized) struct LinkCheckTests {
    /// The hotlink idiom: images only for pages of the site itself (its names, with a regex one, and a wildcard),
    /// for clients sending no Referer, and for Referers a proxy blanked.
    @Test func hotlinkedImagesAreRefused() throws {
        let f = try Fixture(http: #"""
            server {
                listen 127.0.0.1:PORT;
                root site;
                location ~ \.png$ {
                    valid_referers none blocked server_names *.example.com;
                    if ($invalid_referer) { return 403; }
                }
                location /set/ {
                    valid_referers a.com;
                    if ($arg_ok) { set $invalid_referer ""; }
                    if ($invalid_referer) { return 403; }
                    return 200 "[$invalid_referer]";
                }
                location /v/ {
                    valid_referers example.org/galleries/ ~\.google\.;
                    return 200 "[$invalid_referer]";
                }
                server_name img.example.com ~^cdn\d+\.example\.net$;
            }
            """#, files: ["site/logo.png": "PNG\n"])
        defer { f.proxy.stop() }
        func status(_ referer: String?) throws -> Int {
            try f.get("/logo.png", headers: referer.map { ["Referer": $0] } ?? [:]).status
        }
        #expect(try f.get("/logo.png").text == "PNG\n")
        #expect(try status("XXXXXXXXXXXXXXXXXXX") == 200)               // blanked by a proxy
        #expect(try status("http://img.example.com/page.html") == 200)   // a server name, below the directive
        #expect(try status("http://CDN12.example.net:8080/") == 200)
        #expect(try status("https://www.example.com/") == 200)
        #expect(try status("https://evil.test/img.example.com") == 403)
        #expect(try status("http://example.com/") == 403)
        func value(_ referer: String) throws -> String { try f.get("/v/", headers: ["Referer": referer]).text }
        #expect(try value("http://example.org/galleries/1") == "[]")
        #expect(try value("http://example.org/other") == "[1]")
        #expect(try value("https://www.GOOGLE.com/search") == "[]")
        #expect(try f.get("/v/").text == "[1]")
        // `set` may change it, as nginx's changeable variable; until then it is the check's.
        #expect(try f.get("/set/").status == 403)
        #expect(try f.get("/set/?ok=1").text == "[]")
    }

    /// Signed links with an expiry (the md5 mode, the hash over `$secure_link_expires$uri secret`) and the older
    /// `/p/<md5 hex>/file` links.
    @Test func signedLinksOpenAndExpire() throws {
        let f = try Fixture(http: #"""
            server {
                listen 127.0.0.1:PORT;
                root site;
                location /s/ {
                    secure_link $arg_md5,$arg_expires;
                    secure_link_md5 "$secure_link_expires$uri secret";
                    if ($secure_link = "") { return 403; }
                    if ($secure_link = "0") { return 410; }
                    add_header X-Expires $secure_link_expires;
                }
                location /p/ {
                    secure_link_secret secret;
                    if ($secure_link = "") { return 403; }
                    rewrite ^ /s/$secure_link break;
                }
                location /stub { return 200 "x${secure_link}${secure_link_expires}x"; }
            }
            """#, files: ["site/s/f.txt": "file\n"])
        defer { f.proxy.stop() }
        let open = try f.get("/s/f.txt?md5=0yzMlwjbm-64ZqCjCqsE1g&expires=2147483647")
        #expect(open.text == "file\n")
        #expect(open.header("X-Expires") == "2147483647")
        #expect(try f.get("/s/f.txt?md5=FKf77sET8O6CHHO3k0IX9A&expires=1000").status == 410)
        #expect(try f.get("/s/f.txt?md5=FKf77sET8O6CHHO3k0IX9A&expires=1001").status == 403)
        #expect(try f.get("/s/f.txt?md5=0yzMlwjbm-64ZqCjCqsE1g").status == 403)
        #expect(try f.get("/s/f.txt").status == 403)
        #expect(try f.get("/p/0f5c754affaa3622fa88a4c3c0f13256/f.txt").text == "file\n")
        #expect(try f.get("/p/0f5c754affaa3622fa88a4c3c0f13257/f.txt").status == 403)
        #expect(try f.get("/stub").text == "xx")
    }

    /// Errors nginx finds once the server's names are known.
    @Test func serverNamesAreCheckedWhenTheRuntimeIsBuilt() throws {
        func buildError(_ server: String) throws -> String {
            let text = "error_log stderr; events {}\nhttp { access_log off;\nserver { \(server) }\n}\n"
            let config = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                          source: InMemoryConfigSource(["/c/nginx.conf": text])).load(file: "/c/nginx.conf")
            do {
                _ = try RuntimeBuilder.build(config, prefix: "/tmp", generation: 1, previous: nil, openFiles: false)
                return "built"
            } catch { return error.description }
        }
        let conflict = try buildError("server_name a.com; valid_referers server_names a.com;")
        #expect(conflict == "conflicting parameter \"a.com\" in /c/nginx.conf:3")
        let regexOnly = try buildError("server_name ~x; valid_referers none server_names;")
        #expect(regexOnly == "the \"none\" or \"blocked\" referers are specified in the \"valid_referers\" directive without any valid referer in /c/nginx.conf:3")
        let names = try buildError("server_name a.com; valid_referers blocked server_names;")
        #expect(names == "built")
    }
}
