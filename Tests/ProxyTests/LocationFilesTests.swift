@testable import Proxy
import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// try_files' file part and the URI-to-path mapping, over a fake file system.
struct TryFilesResolutionTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    private func lookup(_ files: [String: FileKind]) -> ([UInt8]) -> FileKind {
        { path in files[String(decoding: path, as: UTF8.self)] ?? .missing }
    }

    @Test func firstExistingFileWinsAndItsNameBecomesTheURI() {
        let fs = lookup(["/srv/found.html": .file, "/srv/directory": .directory])
        let values: [(value: [UInt8], directory: Bool)] = [(bytes("/missing"), false), (bytes("/found.html"), false)]
        #expect(FileLookup.tryFiles(values, root: bytes("/srv"), isAlias: false, aliasPrefix: nil, uri: bytes("/x"), lookup: fs)
                == .found(uri: bytes("/found.html"), addURIToAlias: false))
    }

    @Test func aTrailingSlashAsksForADirectoryAndOnlyADirectory() {
        let fs = lookup(["/srv/found.html": .file, "/srv/directory": .directory])
        func match(_ v: String, _ dir: Bool) -> TryFilesMatch {
            FileLookup.tryFiles([(bytes(v), dir)], root: bytes("/srv"), isAlias: false, aliasPrefix: nil, uri: bytes("/x"), lookup: fs)
        }
        #expect(match("/directory", true) == .found(uri: bytes("/directory"), addURIToAlias: false))
        #expect(match("/found.html", true) == .none)    // a file is not a directory
        #expect(match("/directory", false) == .none)    // nor a directory a file
    }

    @Test func anAliasReplacesItsLocationsPrefix() {
        let fs = lookup(["/data/found.html": .file])
        let m = FileLookup.tryFiles([(bytes("/alias-nested/found.html"), false)], root: bytes("/data/"), isAlias: true,
                                    aliasPrefix: bytes("/alias-nested/"), uri: bytes("/alias-nested/found.html"), lookup: fs)
        #expect(m == .found(uri: bytes("/alias-nested/found.html"), addURIToAlias: false))
        #expect(FileLookup.path(root: bytes("/data/"), uri: bytes("/alias-nested/found.html"), isAlias: true,
                                aliasPrefix: bytes("/alias-nested/"), addURIToAlias: false) == bytes("/data/found.html"))
    }

    @Test func aRegexLocationsAliasIsTheWholePathUnlessTryFilesAddsTheURI() {
        let fs = lookup(["/data/dir/alias-re.html": .file])
        let m = FileLookup.tryFiles([(bytes("/alias-re.html"), false)], root: bytes("/data/dir"), isAlias: true,
                                    aliasPrefix: nil, uri: bytes("/alias-re.html"), lookup: fs)
        #expect(m == .found(uri: bytes("/alias-re.html"), addURIToAlias: true))
        #expect(FileLookup.path(root: bytes("/data/dir"), uri: bytes("/alias-re.html"), isAlias: true, aliasPrefix: nil,
                                addURIToAlias: true) == bytes("/data/dir/alias-re.html"))
        #expect(FileLookup.path(root: bytes("/data/img/a.png"), uri: bytes("/users/a.png"), isAlias: true, aliasPrefix: nil,
                                addURIToAlias: false) == bytes("/data/img/a.png"))
    }

    @Test func nothingFoundLeavesItToTheLastParameter() {
        #expect(FileLookup.tryFiles([(bytes("/a"), false)], root: bytes("/srv"), isAlias: false, aliasPrefix: nil,
                                    uri: bytes("/a"), lookup: lookup([:])) == .none)
    }

    @Test func slashRedirectsAreEscapedAndKeepTheArguments() {
        #expect(FileLookup.slashRedirect(uri: bytes("/dir sp"), args: nil) == bytes("/dir%20sp/"))
        #expect(FileLookup.slashRedirect(uri: bytes("/a\"#%<>?\\^`{|}"), args: bytes("a=b")[...])
                == bytes("/a%22%23%25%3C%3E%3F%5C%5E%60%7B%7C%7D/?a=b"))
    }

    /// merge_slashes off keeps `//`, and a `..` removes one segment, the empty ones between slashes included.
    @Test func unmergedSlashesAndDotSegments() throws {
        #expect(try URIPath.normalize(bytes("/foo//../bar"), mergeSlashes: false) == bytes("/foo/bar"))
        #expect(try URIPath.normalize(bytes("/foo///../bar"), mergeSlashes: false) == bytes("/foo//bar"))
        #expect(try URIPath.normalize(bytes("/a//b/./c"), mergeSlashes: false) == bytes("/a//b/c"))
        #expect(try URIPath.normalize(bytes("/a//b/./c//../d")) == bytes("/a/b/d"))
    }

    @Test func argumentsSplitAtTheFirstQuestionMark() {
        #expect(FileLookup.splitArgs(bytes("/fallback?a=1?b")) == (bytes("/fallback"), bytes("a=1?b")))
        #expect(FileLookup.splitArgs(bytes("/plain")).args == nil)
    }
}

/// Named locations, try_files, index, alias and the redirect directives, end to end.
@Suite(.serialized) struct LocationFilesTests {
    /// error_page to a named location: `=` takes the named location's status, `=code` sets it, and with
    /// proxy_intercept_errors the upstream's error is replaced. A URI never reaches `location @name`.
    @Test func namedLocationsServeErrorPagesAndInterceptedErrors() throws {
        let backend = try MockBackend(name: "b1") { req in
            let path = String(decoding: req.head.bytes(req.head.path), as: UTF8.self)
            if path.hasPrefix("/missing") { return MockResponse(status: 404, text: "upstream 404") }
            return MockResponse(status: 500, text: "upstream 500")
        }
        defer { backend.stop() }
        let fallback = try MockBackend(name: "b2") { req in
            MockResponse(text: "fallback got \(req.method) \(String(decoding: req.head.bytes(req.head.path), as: UTF8.self))")
        }
        defer { fallback.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_intercept_errors on;
                    error_page 404 = @fallback;
                }
                location /code/ { error_page 404 =299 @teapot; return 404; }
                location /plain/ { proxy_pass http://\(backend.address); error_page 500 = @teapot; }
                location @fallback { proxy_pass http://\(fallback.address); }
                location @teapot { return 418 "teapot"; }
            }
            """)
        defer { f.proxy.stop() }
        let intercepted = try f.get("/missing/x")
        #expect(intercepted.status == 200)
        #expect(intercepted.text == "fallback got GET /missing/x")   // the named location proxies the same URI
        let c = try f.client()
        try c.send("POST /missing/y HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
        #expect(try c.readResponse().text == "fallback got POST /missing/y")   // a named location keeps the method
        #expect(try f.get("/code/a").status == 299)
        #expect(try f.get("/code/a").text == "teapot")
        // Without proxy_intercept_errors the upstream's 500 passes through.
        #expect(try f.get("/plain/x").text == "upstream 500")
        #expect(try f.get("/@fallback").text == "upstream 500")   // a path, proxied by `location /`
    }

    /// nginx's auto redirect: `/a` matches no location but a proxied `/a/` exists, so it is sent there with a 301
    /// (before the regexes and the shorter prefixes are tried).
    @Test func aProxiedLocationsNameWithoutItsSlashRedirects() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { return 200 "root"; }
                location /a/ { proxy_pass http://127.0.0.1:PORT/a-a; }
                location /a-a { return 204; }
                location ~ ^/a$ { return 200 "regex"; }
                location /files/ { return 200 "files"; }
            }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/a?x=1")
        #expect(r.status == 301)
        #expect(r.header("Location") == "http://localhost:\(f.port)/a/?x=1")
        #expect(try f.get("/a-a").status == 204)
        #expect(try f.get("/files").text == "root")   // not proxied: no auto redirect
    }

    /// A redirect is answered through error_page like an error: the page's answer keeps the first Location,
    /// unless the page redirects again. The directory redirect is escaped.
    @Test func errorPagesForRedirects() throws {
        let f = try Fixture(http: """
            root html;
            server {
                listen 127.0.0.1:PORT;
                location /keep { error_page 302 /text; return 302 "first"; }
                location /again { error_page 302 /other; return 302 "first"; }
                location /text { return 200 "text"; }
                location /other { return 302 "http://example.com/"; }
            }
            """, files: ["html/dir sp/x": ""])
        defer { f.proxy.stop() }
        let keep = try f.get("/keep")
        #expect(keep.status == 302)
        #expect(keep.header("Location") == "first")
        #expect(keep.text == "text")
        let again = try f.get("/again")
        #expect(again.headers("Location") == ["http://example.com/"])
        #expect(try f.get("/dir%20sp?a=b").header("Location") == "http://localhost:\(f.port)/dir%20sp/?a=b")
    }

    @Test func tryFilesFilesDirectoriesNamedLocationsAndCodes() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(text: "app " + String(decoding: req.head.bytes(req.head.requestURI), as: UTF8.self))
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            root html;
            server {
                listen 127.0.0.1:PORT;
                location / { try_files $uri $uri/ @app; }
                location /code/ { try_files /nothing =403; }
                location /uri/ { try_files /nothing /fallback?from=$uri; }
                location /fallback { return 200 "fallback $args"; }
                location /dir-dir/ { try_files /dir/ =404; }
                location @app { proxy_pass http://\(backend.address); }
            }
            """, files: ["html/found.html": "FOUND", "html/dir/index.html": "INDEX"])
        defer { f.proxy.stop() }
        #expect(try f.get("/found.html").text == "FOUND")
        #expect(try f.get("/dir/").text == "INDEX")
        #expect(try f.get("/nothing?q=1").text == "app /nothing?q=1")
        #expect(try f.get("/code/x").status == 403)
        #expect(try f.get("/uri/x").text == "fallback from=/uri/x")
        let dir = try f.get("/dir-dir/")
        #expect(dir.status == 301)
        #expect(dir.header("Location") == "http://localhost:\(f.port)/dir/")
    }

    /// index: several names, variables, a name starting with `/`, and the internal redirect that lets another
    /// location serve the index file (here one that adds a header).
    /// nginx's static handler takes a POST as far as the file: missing is 404, a directory redirects, a file that
    /// is there is 405; other methods are 405 at once.
    @Test func aPostIsRefusedOnlyForAFileThatIsThere() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { root html; } }
            """, files: ["html/a.txt": "A", "html/dir/b.txt": "B"])
        defer { f.proxy.stop() }
        func post(_ path: String, _ method: String = "POST") throws -> String {
            try f.raw("\(method) \(path) HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
        }
        #expect(try post("/a.txt").hasPrefix("HTTP/1.1 405 "))
        #expect(try post("/missing.txt").hasPrefix("HTTP/1.1 404 "))
        #expect(try post("/dir").hasPrefix("HTTP/1.1 301 "))
        #expect(try post("/missing.txt", "PUT").hasPrefix("HTTP/1.1 405 "))
    }

    @Test func indexRedirectsInternallyToTheIndexFile() throws {
        let f = try Fixture(http: """
            root html;
            server {
                listen 127.0.0.1:PORT;
                server_name localhost;
                add_header X-URI $uri;
                location / { index missing.html index.html; }
                location = /sub/index.html { add_header X-Exact yes; }
                location /var/ { alias html/; index $server_name.html; }
                location /abs/ { index /found.html; }
                location /loop/ { index /loop/; }
                location /none/ { alias html/; index nothing.html; }
            }
            """, files: ["html/index.html": "ROOT", "html/sub/index.html": "SUB", "html/localhost.html": "VAR",
                         "html/found.html": "FOUND"])
        defer { f.proxy.stop() }
        let root = try f.get("/")
        #expect(root.text == "ROOT")
        #expect(root.header("X-URI") == "/index.html")
        let sub = try f.get("/sub/")
        #expect(sub.text == "SUB")
        #expect(sub.header("X-Exact") == "yes")
        #expect(try f.get("/var/").text == "VAR")
        #expect(try f.get("/abs/").header("X-URI") == "/found.html")
        #expect(try f.get("/loop/").status == 500)
        #expect(try f.get("/none/").status == 403)
        #expect(try f.get("/missing-dir/").status == 404)
    }

    @Test func aliasInARegexLocationWithCaptures() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location ~ ^/users/(.+\\.txt)$ { alias files/$1; }
                location /pre/ { alias files/; }
            }
            """, files: ["files/a.txt": "A", "files/b.txt": "B"])
        defer { f.proxy.stop() }
        #expect(try f.get("/users/a.txt").text == "A")
        #expect(try f.get("/pre/b.txt").text == "B")
        #expect(try f.get("/users/c.txt").status == 404)
    }

    @Test func redirectStyleAndMergeSlashes() throws {
        let f = try Fixture(http: """
            root html;
            server {
                listen 127.0.0.1:PORT;
                server_name main.example;
                merge_slashes off;
                location /rel/ { absolute_redirect off; }
                location /noport/ { port_in_redirect off; }
                location /named/ { server_name_in_redirect on; }
                location /a//b { return 200 "unmerged"; }
                location /int { internal; return 200 "never"; }
            }
            """, files: ["html/rel/d/x": "", "html/noport/d/x": "", "html/named/d/x": ""])
        defer { f.proxy.stop() }
        #expect(try f.get("/rel/d").header("Location") == "/rel/d/")
        #expect(try f.get("/noport/d").header("Location") == "http://localhost/noport/d/")
        #expect(try f.get("/named/d").header("Location") == "http://main.example:\(f.port)/named/d/")
        #expect(try f.get("/a//b").text == "unmerged")
        #expect(try f.get("/int").status == 404)
    }
}

/// random_index: a directory's request is answered with one of its regular files, at random (dot files and
/// subdirectories never); an empty directory leaves it to `index`, a missing one is a 404.
@Suite struct RandomIndexTests {
    @Test func aDirectoryAnswersWithOneOfItsFiles() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { random_index on; }
            }
            """, files: ["html/pics/a.txt": "A", "html/pics/b.txt": "B", "html/pics/.hidden": "H",
                         "html/pics/sub/c.txt": "C", "html/dots/.keep": ""])
        defer { f.proxy.stop() }
        // A link counts by what it leads to: the file's does, the directory's does not (nginx stats each entry).
        #expect(symlink(f.proxy.prefix + "/html/pics/a.txt", f.proxy.prefix + "/html/pics/link.txt") == 0)
        #expect(symlink(f.proxy.prefix + "/html/pics/sub", f.proxy.prefix + "/html/pics/dir-link") == 0)
        var seen: Set<String> = []
        for _ in 0..<40 { seen.insert(try f.get("/pics/").text) }
        #expect(seen == ["A", "B"])
        // Only a dot file: random_index declines, and `index` (no index.html there) refuses the listing.
        #expect(try f.get("/dots/").status == 403)
        #expect(f.errorLog().contains("directory index of \"\(f.proxy.prefix)/html/dots/\" is forbidden"))
        #expect(try f.get("/nowhere/").status == 404)
        #expect(f.errorLog().contains("opendir() \"\(f.proxy.prefix)/html/nowhere/\" failed (2: No such file or directory)"))
    }
}
