@testable import Config
import Testing

struct IncludeTests {
    @Test func globsAreSortedAndRelativeToTheMainConfigDirectory() throws {
        let loaded = try load([
            "nginx.conf": "events {}\nhttp {\ninclude vhosts/*.conf;\n}",
            "vhosts/b.conf": "server { server_name b; }",
            "vhosts/a.conf": "server { server_name a; include snippets/x.conf; }",
            "vhosts/c.txt": "garbage",
            "snippets/x.conf": "listen 81;",
        ])
        #expect(loaded.http!.servers.map(\.names) == [[.exact("a")], [.exact("b")]])
        #expect(loaded.http!.servers[0].listens.map(\.address) == [.inet(host: "*", port: 81)])
        #expect(loaded.files.map(\.path) == ["/c/nginx.conf", "/c/vhosts/a.conf", "/c/snippets/x.conf", "/c/vhosts/b.conf"])
    }

    @Test func emptyGlobIsFine() throws {
        let loaded = try load(["nginx.conf": "events {}\nhttp {\ninclude none/*.conf;\n}"])
        #expect(loaded.http!.servers.isEmpty)
    }

    @Test func absoluteIncludeAndTypesFile() throws {
        let loaded = try load([
            "nginx.conf": "events {}\nhttp {\ninclude /etc/mime.types;\n}",
            "/etc/mime.types": "types {\n text/css css;\n}",
        ])
        #expect(loaded.http!.settings.content.types["css"] == "text/css")
    }

    @Test func includedFileKeepsItsOwnLineNumbers() {
        #expect(loadError([
            "nginx.conf": "events {}\nhttp {\ninclude a.conf;\n}",
            "a.conf": "\n\ngzip maybe;",
        ]) == "invalid value \"maybe\" in \"gzip\" directive, it must be \"on\" or \"off\" in /c/a.conf:3")
    }

    @Test func includedFileMustBalanceItsBraces() {
        #expect(loadError([
            "nginx.conf": "events {}\nhttp {\ninclude a.conf;\n}",
            "a.conf": "server {\n",
        ]) == "unexpected end of file, expecting \"}\" in /c/a.conf:2")
    }

    @Test(arguments: [
        ("*.conf", "a.conf", true), ("*.conf", "a.txt", false), ("v/*.conf", "v/x/a.conf", false),
        ("a?.conf", "ab.conf", true), ("[ab].conf", "b.conf", true), ("[!ab].conf", "b.conf", false),
        ("[a-c]x", "bx", true), ("[a-c]x", "dx", false),
    ])
    func globPattern(pattern: String, name: String, matches: Bool) {
        #expect(GlobPattern.matches(Array(pattern.utf8), Array(name.utf8)) == matches)
    }

    @Test func ignoredDirectivesAreNamedOnce() throws {
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("tcp_nopush on;\noutput_buffers 8 256k;\nserver { tcp_nopush off; }"), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == [
            "[notice] directive \"tcp_nopush\" has no effect in switchyard, ignored in /c/nginx.conf:3",
            "[notice] directive \"output_buffers\" has no effect in switchyard, ignored in /c/nginx.conf:4",
        ])
    }

    @Test func commandLineDirectivesJoinTheMainContext() throws {
        let loaded = try load(["nginx.conf": "events {}"], globals: "daemon off; worker_processes 3;")
        #expect(!loaded.main.daemon)
        #expect(loaded.main.workerProcesses == .count(3))
    }
}
