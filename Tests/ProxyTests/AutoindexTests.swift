import EventLoop
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// autoindex end to end: a directory tree served with each format, the framing nginx uses (chunked, or
/// close-delimited for HTTP/1.0), HEAD, gzip, `index` first, and the 403 / 404 without a listing.
@Suite struct AutoindexTests {
    static let files = [
        "html/files/a b&<x>.txt": "hello", "html/files/big.bin": String(repeating: "x", count: 20000),
        "html/files/.hidden": "h", "html/files/sub/.keep": "", "html/files/\u{444}.txt": "f",
        "html/indexed/index.html": "the index", "html/indexed/other.txt": "o", "html/plain/f.txt": "p",
    ]

    static func fixture() throws -> Fixture {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                autoindex on;
                location /plain/ { autoindex off; }
                location /x/ { autoindex_format xml; alias html/files/; }
                location /j/ { autoindex_format json; alias html/files/; }
                location /p/ { autoindex_format jsonp; alias html/files/; }
                location /h/ { autoindex_exact_size off; alias html/files/; charset utf-8; }
                location /z/ { alias html/files/; gzip on; gzip_min_length 1; }
            }
            """, files: files)
        let d = f.proxy.prefix + "/html/files/"
        var t = utimbuf(actime: 1_000_000_000, modtime: 1_000_000_000)
        #expect(utime(d + "big.bin", &t) == 0)
        #expect(symlink(d + "sub", d + "sublink") == 0)
        #expect(symlink(d + "big.bin", d + "binlink") == 0)
        #expect(symlink(d + "nowhere", d + "broken") == 0)
        return f
    }

    @Test func htmlListingAsNginxWritesIt() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let r = try f.get("/files/")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/html")
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(r.header("Content-Length") == nil)
        #expect(r.header("Last-Modified") == nil)
        let page = r.text
        #expect(page.hasPrefix("<html>\r\n<head><title>Index of /files/</title></head>\r\n<body>\r\n<h1>Index of /files/</h1><hr><pre><a href=\"../\">../</a>\r\n"))
        #expect(page.hasSuffix("</pre><hr></body>\r\n</html>\r\n"))
        // Directories first (a link to one too), then files in byte order; the hidden file left out.
        let order = ["href=\"sub/\"", "href=\"sublink/\"", "href=\"a%20b%26%3Cx%3E.txt\"", "href=\"big.bin\"",
                     "href=\"binlink\"", "href=\"broken\"", "href=\"%D1%84.txt\""]
        let positions = order.map { Substring(page).range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(!page.contains(".hidden") && !page.contains(".keep"))
        #expect(page.contains(">a b&amp;&lt;x&gt;.txt</a>"))
        #expect(page.contains("<a href=\"big.bin\">big.bin</a>" + String(repeating: " ", count: 43) + " 09-Sep-2001 01:46 " + String(repeating: " ", count: 14) + "20000\r\n"))
        #expect(page.contains("<a href=\"sub/\">sub/</a>" + String(repeating: " ", count: 46) + " "))
    }

    @Test func xmlJsonAndJsonp() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let x = try f.get("/x/")
        #expect(x.header("Content-Type") == "text/xml; charset=utf-8")
        #expect(x.text.hasPrefix("<?xml version=\"1.0\"?>\r\n<list>\r\n<directory mtime=\""))
        #expect(x.text.contains("<file mtime=\"2001-09-09T01:46:40Z\" size=\"20000\">big.bin</file>\r\n"))
        #expect(x.text.contains("<file mtime=\"2001-09-09T01:46:40Z\" size=\"20000\">binlink</file>\r\n"))
        #expect(x.text.contains(">a b&amp;&lt;x&gt;.txt</file>"))
        #expect(x.text.contains("\">broken</other>"))
        let j = try f.get("/j/")
        #expect(j.header("Content-Type") == "application/json")
        #expect(j.text.contains("{ \"name\":\"big.bin\", \"type\":\"file\", \"mtime\":\"Sun, 09 Sep 2001 01:46:40 GMT\", \"size\":20000 }"))
        #expect(j.text.contains("{ \"name\":\"a b&<x>.txt\", \"type\":\"file\""))
        #expect(j.text.hasPrefix("[\r\n{ \"name\":\"sub\", \"type\":\"directory\""))
        #expect(j.text.hasSuffix(" }\r\n]"))
        let p = try f.get("/p/sub/?callback=cb.x_1")
        #expect(p.header("Content-Type") == "application/javascript")
        #expect(p.text == "/* callback */\r\ncb.x_1([\r\n]);")
        let empty = try f.get("/p/sub/?callback=")
        #expect(empty.header("Content-Type") == "application/json")
        #expect(empty.text == "[\r\n]")
        #expect(try f.get("/p/sub/?callback=a(1)").status == 400)
        #expect(f.logFile("logs/error.log", containing: "client sent invalid callback name: \"a(1)\"")
            .contains("client sent invalid callback name: \"a(1)\""))
    }

    @Test func headHttp10AndGzip() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let head = try f.raw("HEAD /files/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.hasSuffix("\r\n\r\n") && !head.contains("Index of") && !head.contains("chunked"))
        let old = try f.raw("GET /files/sub/ HTTP/1.0\r\n\r\n")
        #expect(old.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(old.contains("Connection: close\r\n") && !old.contains("chunked") && !old.contains("Content-Length"))
        #expect(old.hasSuffix("\r\n\r\n<html>\r\n<head><title>Index of /files/sub/</title></head>\r\n<body>\r\n<h1>Index of /files/sub/</h1><hr><pre><a href=\"../\">../</a>\r\n</pre><hr></body>\r\n</html>\r\n"))
        let z = try f.get("/z/", headers: ["Accept-Encoding": "gzip"])
        #expect(z.header("Content-Encoding") == "gzip")
        #expect(z.header("Transfer-Encoding") == "chunked")
        #expect(String(decoding: try ProxyGzipTests.inflate(z.body), as: UTF8.self).contains("<h1>Index of /z/</h1>"))
        let h = try f.get("/h/")
        #expect(h.header("Content-Type") == "text/html; charset=utf-8")
        #expect(h.text.contains(" 09-Sep-2001 01:46     20K\r\n"))
        #expect(h.text.contains(">\u{444}.txt</a>" + String(repeating: " ", count: 45) + " "))
    }

    @Test func indexFirstAndNoListingWithoutAutoindex() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        #expect(try f.get("/indexed/").text == "the index")
        let plain = try f.get("/plain/")
        #expect(plain.status == 403)
        #expect(f.errorLog().contains("directory index of \"\(f.proxy.prefix)/html/plain/\" is forbidden"))
        #expect(try f.get("/nowhere/").status == 404)
        // POST is not listed: nginx's autoindex takes GET and HEAD only.
        let post = try f.raw("POST /files/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
        #expect(post.hasPrefix("HTTP/1.1 403 "))
    }
}

/// empty_gif: nginx's 43 bytes, its headers, HEAD, a conditional GET and other methods.
@Suite struct EmptyGIFTests {
    @Test func theTransparentPixel() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location = /p.gif { empty_gif; } }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/p.gif")
        #expect(r.status == 200)
        #expect(r.body == [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00,
                           0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x01, 0x00, 0x2c, 0x00, 0x00,
                           0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x4c, 0x01, 0x00, 0x3b])
        #expect(r.header("Content-Type") == "image/gif")
        #expect(r.header("Content-Length") == "43")
        #expect(r.header("Last-Modified") == "Mon, 28 Sep 1970 06:00:00 GMT")
        let head = try f.raw("HEAD /p.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(head.contains("Content-Type: image/gif\r\n") && head.contains("Content-Length: 43\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"))
        let cached = try f.get("/p.gif", headers: ["If-Modified-Since": "Mon, 28 Sep 1970 06:00:00 GMT"])
        #expect(cached.status == 304)
        #expect(cached.body.isEmpty)
        #expect(try f.raw("PUT /p.gif HTTP/1.0\r\n\r\n").hasPrefix("HTTP/1.1 405 Not Allowed\r\n"))
    }
}

/// Syscall.directoryNames, what autoindex reads: every name but the dot ones, and which call failed with errno.
@Suite struct DirectoryNamesTests {
    @Test func namesAndFailures() throws {
        let d = try TempDir.make()
        for name in ["b", "a b", ".hidden", "\u{444}"] { #expect(creat(d + "/" + name, 0o644) >= 0) }
        #expect(mkdir(d + "/sub", 0o755) == 0)
        guard case .success(let names) = Syscall.directoryNames(in: Array(d.utf8)) else {
            Issue.record("the directory did not read"); return
        }
        #expect(Set(names.map { String(decoding: $0, as: UTF8.self) }) == ["b", "a b", "\u{444}", "sub"])
        guard case .failure(let missing) = Syscall.directoryNames(in: Array((d + "/nowhere").utf8)) else {
            Issue.record("a missing directory read"); return
        }
        #expect(missing.call == .open && missing.code == ENOENT)
        guard case .failure(let file) = Syscall.directoryNames(in: Array((d + "/b").utf8)) else {
            Issue.record("a file read as a directory"); return
        }
        #expect(file.call == .open && file.code == ENOTDIR)
        #expect(symlink(d + "/nowhere", d + "/broken") == 0)
        #expect(Syscall.stat(Array((d + "/broken").utf8)) == nil)
        let link = Syscall.lstat(Array((d + "/broken").utf8))
        #expect(link != nil && link?.isRegular == false && link?.isDirectory == false)
    }
}
