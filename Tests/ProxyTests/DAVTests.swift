import EventLoop
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// WebDAV end to end: each method with its statuses, headers and error_log lines as nginx gives them, on a
/// directory the test makes (under the proxy's prefix, removed with it). Every PUT that fails leaves no temp file.
@Suite struct DAVTests {
    static func fixture() throws -> Fixture {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                absolute_redirect off;
                client_max_body_size 1k;
                location / { dav_methods PUT DELETE MKCOL COPY MOVE; }
                location /full/ { dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; }
                location /min/ { dav_methods DELETE; min_delete_depth 3; }
                location /a/ { alias html/aliased/; dav_methods PUT COPY MOVE; }
                location /ro/ { dav_methods PUT DELETE MKCOL COPY MOVE; }
                location /static/ { }
            }
            """, files: ["html/aliased/.keep": "", "html/ro/file": "r", "html/static/s": "s"])
        handOver(f)
        return f
    }

    /// Started as root, the proxy works as nobody: the store is made nobody's, but `ro/`, which stays root's.
    static func handOver(_ f: Fixture) {
        guard getuid() == 0 else { return }
        let html = f.proxy.prefix + "/html"
        #expect(system("chown -R nobody '\(html)' && { [ ! -e '\(html)/ro' ] || chown -R root '\(html)/ro'; }") == 0)
    }

    static func request(_ f: Fixture, _ method: String, _ path: String, _ headers: [String] = [], body: String? = nil) throws -> TestResponse {
        let c = try f.client()
        defer { c.close() }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for h in headers { text += h + "\r\n" }
        if let body, !headers.contains(where: { $0.hasPrefix("Transfer-Encoding") }) { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try c.send(text)
        return try c.readResponse()
    }

    static func file(_ f: Fixture, _ relative: String) -> String? {
        let path = f.proxy.prefix + "/html/" + relative
        guard access(path, F_OK) == 0 else { return nil }
        return f.proxy.file("html/" + relative)
    }

    static func mode(_ f: Fixture, _ relative: String) -> UInt32 {
        var st = stat()
        guard stat(f.proxy.prefix + "/html/" + relative, &st) == 0 else { return 0 }
        return UInt32(st.st_mode & 0o7777)
    }

    /// What client_body_temp_path holds: a PUT leaves nothing there, whatever became of it.
    static func tempFiles(_ f: Fixture) -> [[UInt8]] {
        (try? Syscall.allNames(in: Array((f.proxy.prefix + "/client_body_temp").utf8)).get()) ?? []
    }

    @Test func putCreatesThenReplaces() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let created = try Self.request(f, "PUT", "/new%20file", body: "0123456789")
        #expect(created.status == 201)
        #expect(created.header("Content-Length") == "0")
        #expect(created.header("Location") == "/new%20file")
        #expect(created.header("Content-Type") == nil)
        #expect(Self.file(f, "new file") == "0123456789")
        #expect(Self.mode(f, "new file") == 0o600)
        let replaced = try Self.request(f, "PUT", "/new%20file", ["Date: Sun, 09 Sep 2001 01:46:40 GMT"], body: "abc")
        #expect(replaced.status == 204)
        #expect(replaced.header("Content-Length") == nil && replaced.header("Location") == nil)
        let got = try f.get("/new%20file")
        #expect(got.text == "abc")
        #expect(got.header("Last-Modified") == "Sun, 09 Sep 2001 01:46:40 GMT")   // the request's Date
        // The Date is read as nginx reads it: what follows the time does not matter.
        #expect(try Self.request(f, "PUT", "/new%20file", ["Date: Mon, 10 Sep 2001 01:46:40 UTC"], body: "abcd").status == 204)
        #expect(try f.get("/new%20file").header("Last-Modified") == "Mon, 10 Sep 2001 01:46:40 GMT")
        #expect(try Self.request(f, "PUT", "/empty", body: "").status == 201)
        #expect(Self.file(f, "empty") == "")
        // A UTF-8 name, its Location escaped as nginx escapes it.
        let utf8 = try Self.request(f, "PUT", "/%D0%BC%D0%B8", body: "x")
        #expect(utf8.header("Location") == "/%D0%BC%D0%B8")
        #expect(Self.file(f, "\u{43c}\u{438}") == "x")
        #expect(Self.tempFiles(f).isEmpty)
    }

    @Test func putChunkedWithExpectAndAlias() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let c = try f.client()
        defer { c.close() }
        try c.send("PUT /a/up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
        #expect(try c.readInterim() == 100)
        try c.send("3\r\nabc\r\n")
        try c.send("4\r\ndefg\r\n0\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 201)
        #expect(r.header("Location") == "/a/up")
        #expect(Self.file(f, "aliased/up") == "abcdefg")
        // The connection stays usable: the body was read to its end.
        try c.send("GET /a/up HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try c.readResponse().text == "abcdefg")
        #expect(Self.tempFiles(f).isEmpty)
    }

    @Test func putRefusals() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        #expect(try Self.request(f, "PUT", "/dir/", body: "x").status == 409)
        #expect(try Self.request(f, "PUT", "/r", ["Content-Range: bytes 0-0/2"], body: "x").status == 501)
        #expect(try Self.request(f, "MKCOL", "/made/").status == 201)
        #expect(try Self.request(f, "PUT", "/made", body: "x").status == 409)   // over a directory
        // A missing directory without create_full_put_path: the rename fails, nginx's 500.
        #expect(try Self.request(f, "PUT", "/no/such/file", body: "x").status == 500)
        // Under a file: the rename fails (ENOTDIR).
        #expect(try Self.request(f, "PUT", "/file", body: "x").status == 201)
        #expect(try Self.request(f, "PUT", "/file/under", body: "x").status == 500)
        // Too large, by Content-Length (before any byte) and by chunk sizes.
        #expect(try Self.request(f, "PUT", "/big", body: String(repeating: "x", count: 2000)).status == 413)
        let chunked = try Self.request(f, "PUT", "/big", ["Transfer-Encoding: chunked"], body: "7d0\r\n" + String(repeating: "x", count: 2000) + "\r\n0\r\n\r\n")
        #expect(chunked.status == 413)
        #expect(try Self.request(f, "PUT", "/bad", ["Transfer-Encoding: chunked"], body: "zz\r\n").status == 400)
        #expect(Self.file(f, "big") == nil && Self.file(f, "bad") == nil)
        // A location without dav_methods still refuses the method.
        #expect(try Self.request(f, "PUT", "/static/s", body: "x").status == 405)
        #expect(Self.file(f, "static/s") == "s")
        let log = f.errorLog()
        #expect(log.contains("[error]") && log.contains("cannot PUT to a collection"))
        #expect(log.contains("PUT with range is unsupported"))
        #expect(log.contains("/html/made\" could not be created (21: Is a directory)"))
        #expect(log.contains("[crit]") && log.contains("/html/no/such/file\" failed (2: No such file or directory)"))
        #expect(log.contains("/html/file/under\" failed (20: Not a directory)"))
        #expect(log.contains("client intended to send too large chunked body: "))
        #expect(Self.tempFiles(f).isEmpty)
    }

    @Test func aClientGoneMidBodyLeavesNoTempFile() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("PUT /partial HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789")
        #expect(eventually { Self.tempFiles(f).count == 1 })
        c.close()
        #expect(eventually { Self.tempFiles(f).isEmpty })
        #expect(Self.file(f, "partial") == nil)
    }

    @Test func createFullPutPathAndAccess() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let r = try Self.request(f, "PUT", "/full/a/b/c", body: "deep")
        #expect(r.status == 201)
        #expect(Self.file(f, "full/a/b/c") == "deep")
        #expect(Self.mode(f, "full/a/b/c") == 0o644)
        #expect(Self.mode(f, "full/a/b") == 0o755)
    }

    @Test func deleteFilesAndTrees() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        for p in ["t/f", "t/.hidden", "t/sub/g", "one", "min/a/b/deep", "min/shallow"] {
            try TempDir.write(f.proxy.prefix + "/html/" + p, "x")
        }
        #expect(symlink(f.proxy.prefix + "/html/one", f.proxy.prefix + "/html/t/link") == 0)
        Self.handOver(f)
        #expect(try Self.request(f, "DELETE", "/one", ["Depth: 1"]).status == 400)
        #expect(try Self.request(f, "DELETE", "/t").status == 409)
        #expect(try Self.request(f, "DELETE", "/t/", ["Depth: 0"]).status == 400)
        #expect(try Self.request(f, "DELETE", "/t/", body: "x").status == 415)
        let tree = try Self.request(f, "DELETE", "/t/", ["Depth: infinity"])
        #expect(tree.status == 204)
        #expect(tree.header("Content-Length") == nil)
        #expect(Self.file(f, "t/f") == nil && Self.mode(f, "t") == 0)
        #expect(Self.file(f, "one") == "x")   // the link went, not what it led to
        #expect(try Self.request(f, "DELETE", "/one/x").status == 409)   // under a file
        #expect(try Self.request(f, "DELETE", "/one", ["Depth: 0"]).status == 204)
        #expect(try Self.request(f, "DELETE", "/one").status == 404)
        #expect(try Self.request(f, "DELETE", "/min/shallow").status == 409)
        #expect(try Self.request(f, "DELETE", "/min/a/b/deep").status == 204)
        let log = f.errorLog()
        #expect(log.contains("DELETE \"") && log.contains("/html/t\" failed (21: Is a directory)"))
        #expect(log.contains("\"Depth\" header must be infinity"))
        #expect(log.contains("\"Depth\" header must be 0 or infinity"))
        #expect(log.contains("DELETE with body is unsupported"))
        #expect(log.contains("insufficient URI depth:2 to DELETE"))
        #expect(log.contains("lstat() \"") && log.contains("/html/one\" failed (2: No such file or directory)"))
    }

    @Test func mkcol() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let made = try Self.request(f, "MKCOL", "/c%20d/")
        #expect(made.status == 201)
        #expect(made.header("Location") == "/c%20d/")
        #expect(made.header("Content-Length") == "0")
        #expect(Self.mode(f, "c d") == 0o700)
        #expect(try Self.request(f, "MKCOL", "/c%20d/").status == 405)
        #expect(try Self.request(f, "MKCOL", "/x/y/").status == 409)
        #expect(try Self.request(f, "MKCOL", "/noslash").status == 409)
        #expect(try Self.request(f, "MKCOL", "/b/", body: "<x/>").status == 415)
        #expect(try Self.request(f, "MKCOL", "/b/", ["Transfer-Encoding: chunked"], body: "1\r\nx\r\n0\r\n\r\n").status == 415)
        if getuid() == 0 {   // the proxy works as nobody, who may not write in root's `ro/`
            #expect(try Self.request(f, "MKCOL", "/ro/sub/").status == 403)
            #expect(try Self.request(f, "DELETE", "/ro/file").status == 403)
            #expect(try Self.request(f, "PUT", "/ro/new", body: "x").status == 500)
            #expect(Self.tempFiles(f).isEmpty)
        }
        let log = f.errorLog()
        #expect(log.contains("mkdir() \"") && log.contains("/html/c d\" failed (17: File exists)"))
        #expect(log.contains("MKCOL can create a collection only"))
        #expect(log.contains("MKCOL with body is unsupported"))
    }

    @Test func copyAndMove() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        for (p, t) in [("src", "SOURCE"), ("old", "OLD"), ("tree/a", "A"), ("tree/sub/b", "B"), ("tree/.h", "H"),
                       ("aliased/in", "IN")] {
            try TempDir.write(f.proxy.prefix + "/html/" + p, t)
        }
        _ = chmod(f.proxy.prefix + "/html/src", 0o640)
        Self.handOver(f)
        let copy = try Self.request(f, "COPY", "/src", ["Destination: /dst"])
        #expect(copy.status == 204)
        #expect(Self.file(f, "dst") == "SOURCE" && Self.mode(f, "dst") == 0o640)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: http://localhost:\(f.port)/dst2"]).status == 204)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /old", "Overwrite: F"]).status == 412)
        #expect(Self.file(f, "old") == "OLD")
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /old", "Overwrite: T"]).status == 204)
        #expect(Self.file(f, "old") == "SOURCE")
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /x", "Overwrite: yes"]).status == 400)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /x", "Depth: 1"]).status == 400)
        #expect(try Self.request(f, "COPY", "/src").status == 400)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: http://elsewhere/x"]).status == 400)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /../escaped"]).status == 400)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /%2e%2e/escaped"]).status == 400)
        #expect(access(f.proxy.prefix + "/escaped", F_OK) != 0)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /src"]).status == 403)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /coll/"]).status == 409)
        #expect(try Self.request(f, "COPY", "/src", ["Destination: /x"], body: "b").status == 415)
        #expect(try Self.request(f, "COPY", "/nothing", ["Destination: /x"]).status == 404)
        // Trees: copied whole (hidden files too), not into themselves.
        let tree = try Self.request(f, "COPY", "/tree/", ["Destination: /copy/"])
        #expect(tree.status == 201 && tree.header("Location") == nil)
        #expect(Self.file(f, "copy/sub/b") == "B" && Self.file(f, "copy/.h") == "H" && Self.file(f, "tree/a") == "A")
        #expect(try Self.request(f, "COPY", "/tree/", ["Destination: /tree/in/"]).status == 403)
        #expect(try Self.request(f, "COPY", "/tree/", ["Destination: /tree2"]).status == 409)
        #expect(try Self.request(f, "MOVE", "/copy/", ["Destination: /moved/", "Depth: 0"]).status == 400)
        #expect(try Self.request(f, "MOVE", "/copy/", ["Destination: /moved/"]).status == 201)
        #expect(Self.file(f, "moved/sub/b") == "B" && Self.mode(f, "copy") == 0)
        // Over an existing tree: replaced.
        #expect(try Self.request(f, "COPY", "/tree/", ["Destination: /moved/"]).status == 201)
        #expect(try Self.request(f, "MOVE", "/src", ["Destination: /moved-src"]).status == 204)
        #expect(Self.file(f, "src") == nil && Self.file(f, "moved-src") == "SOURCE")
        // An alias maps the destination under it too (the request's location maps both paths, as in nginx);
        // a destination shorter than the alias's location is refused.
        #expect(try Self.request(f, "COPY", "/a/in", ["Destination: /a/out"]).status == 204)
        #expect(Self.file(f, "aliased/out") == "IN")
        #expect(try Self.request(f, "COPY", "/a/in", ["Destination: /x"]).status == 400)
        let log = f.errorLog()
        #expect(log.contains("/html/old\" could not be created (17: File exists)"))
        #expect(log.contains("client sent invalid \"Overwrite\" header: \"yes\""))
        #expect(log.contains("client sent no \"Destination\" header"))
        #expect(log.contains("\"Destination\" URI \"http://elsewhere/x\" is handled by different repository than the source URI"))
        #expect(log.contains("unsafe URI \"/../escaped\" was detected"))
        #expect(log.contains("both URI \"/src\" and \"Destination\" URI \"/src\" point to the same location"))
        #expect(log.contains("both URI \"/src\" and \"Destination\" URI \"/coll/\" should be either collections or non-collections"))
        #expect(log.contains("\"/tree/\" could not be COPYed to collection \"/tree/in/\""))
        #expect(log.contains("COPY and MOVE with body are unsupported"))
    }

    /// A temp path on another file system (/dev/shm is tmpfs here): the body is copied beside the target under a
    /// numbered name and renamed over it, as nginx does on EXDEV, and nothing is left on either side.
    @Test func putAcrossFileSystems() throws {
        var st = stat(), shm = stat()
        guard stat("/dev/shm", &shm) == 0, stat("/tmp", &st) == 0, shm.st_dev != st.st_dev else { return }
        var template = Array("/dev/shm/switchyard-dav-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { Issue.record("mkdtemp failed"); return }
        let temp = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { _ = system("rm -rf '\(temp)'") }
        _ = chmod(temp, 0o777)
        let f = try Fixture(http: """
            client_body_temp_path \(temp);
            server { listen 127.0.0.1:PORT; location / { dav_methods PUT; dav_access user:rw all:r; } }
            """, files: ["html/.keep": ""])
        defer { f.proxy.stop() }
        Self.handOver(f)
        let r = try Self.request(f, "PUT", "/far", ["Date: Sun, 09 Sep 2001 01:46:40 GMT"], body: "across")
        #expect(r.status == 201)
        #expect(Self.file(f, "far") == "across")
        #expect(Self.mode(f, "far") == 0o604)
        var far = stat()
        #expect(stat(f.proxy.prefix + "/html/far", &far) == 0 && far.st_mtim.tv_sec == 1_000_000_000)
        #expect(try Syscall.allNames(in: Array(temp.utf8)).get().isEmpty)
        #expect(try Syscall.allNames(in: Array((f.proxy.prefix + "/html").utf8)).get().sorted { $0.lexicographicallyPrecedes($1) }
                == [Array(".keep".utf8), Array("far".utf8)])
    }
}
