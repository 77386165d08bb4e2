import Glibc
import SwitchyardTestSupport
import Testing

/// `disable_symlinks` (nginx's core module): files reached through a symbolic link are refused (`on`), or
/// allowed only when the link and its target have the same owner (`if_not_owner`), for the file served, try_files,
/// `index` and `if (-f …)`; `from=` leaves the document root's own links alone.
@Suite(.serialized) struct DisableSymlinksTests {
    /// A file whose owner is not this process's user, as nginx's own test picks one: made and given to `nobody`
    /// when the tests run as root, else a system file root owns.
    static func foreignFile(in dir: String) throws -> String {
        if getuid() != 0 { return "/etc/passwd" }
        let path = dir + "/foreign.txt"
        try TempDir.write(path, "someone else's\n")
        #expect(chown(path, 65534, 65534) == 0)
        return path
    }

    @Test func linksAreRefusedOrCheckedByOwner() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root html;
                location /on/ { disable_symlinks on; }
                location /owner/ { disable_symlinks if_not_owner; }
                location /try/ { disable_symlinks on; try_files $uri $uri.html =404; }
                location /if/ { disable_symlinks on; alias html/on/; if (-f $request_filename) { return 204; } }
                location /dir { disable_symlinks on; try_files $uri/ =404; }
                location /from/ {
                    disable_symlinks on from=$document_root;
                    alias html/dirlink/;
                }
            }
            """, files: ["html/plain.html": "plain\n", "html/on/plain.html": "on\n", "html/owner/plain.html": "owner\n",
                         "html/try/page.html": "local page\n", "html/dir/index.html": "dir\n"])
        defer { f.proxy.stop() }
        let html = f.proxy.prefix + "/html"
        let foreign = try Self.foreignFile(in: f.proxy.prefix)
        for dir in ["", "/on", "/owner"] {
            #expect(symlink("plain.html", html + dir + "/link") == 0)
            #expect(symlink(foreign, html + dir + "/foreign") == 0)
        }
        #expect(symlink(foreign, html + "/try/page") == 0)
        #expect(symlink("dir", html + "/dirlink") == 0)

        // Off (the default): links are followed.
        #expect(try f.get("/link").text == "plain\n")
        #expect(try f.get("/foreign").status == 200)
        // on: any link is refused, a plain file served.
        #expect(try f.get("/on/link").status == 403)
        #expect(try f.get("/on/foreign").status == 403)
        #expect(try f.get("/on/plain.html").text == "on\n")
        // if_not_owner: a link to the same owner's file is fine, to another's refused.
        #expect(try f.get("/owner/link").text == "owner\n")
        #expect(try f.get("/owner/foreign").status == 403)
        // try_files and `if -f` see a refused link as missing.
        #expect(try f.get("/try/page").text == "local page\n")
        #expect(try f.get("/if/link").status == 403)
        #expect(try f.get("/if/plain.html").status == 204)
        // A directory link on the way: not found.
        #expect(try f.get("/dirlink/").status == 404)
        #expect(try f.get("/dirlink/index.html").status == 404)
        // from=$document_root: the alias's own link is trusted, what is below it checked.
        #expect(try f.get("/from/index.html").text == "dir\n")
        #expect(f.logFile("logs/error.log", containing: "(40: Too many levels of symbolic links)")
            .contains("open() \"\(html)/on/link\" failed (40: Too many levels of symbolic links)"))
    }
}
