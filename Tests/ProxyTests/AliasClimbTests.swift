import SwitchyardTestSupport
import Testing
@testable import Proxy

/// `location /img { alias …/sub/; }` (the name without the alias's final slash) maps `/img../secret.txt` to
/// `…/sub/../secret.txt`: nginx serves the file above the alias directory (the "off-by-slash" traversal that
/// configuration checkers look for). switchyard answers 404 and logs why; everything under the alias is served.
@Suite struct AliasClimbTests {
    @Test func aURIThatWouldClimbOutOfAnAliasIsNotFound() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /img { alias html/sub/; }
                location /try { alias html/sub/; try_files $uri =404; }
                location /pics/ { alias html/sub/; }
                location ~ ^/rx(.*)$ { alias html/sub/$1; }
            }
            """, files: ["html/sub/in.txt": "inside\n", "html/secret.txt": "secret\n", "html/sub/..x": "dots\n"])
        defer { f.proxy.stop() }
        #expect(try f.get("/img/in.txt").text == "inside\n")
        #expect(try f.get("/pics/in.txt").text == "inside\n")
        #expect(try f.get("/rx/in.txt").text == "inside\n")
        for path in ["/img../secret.txt", "/img..%2Fsecret.txt", "/img%2E%2E/secret.txt", "/try../secret.txt", "/img..",
                     "/rx../secret.txt"] {
            let r = try f.get(path)
            #expect(r.status == 404 && !r.text.contains("secret"), "\(path): \(r.status) \(r.text)")
        }
        #expect(f.errorLog().contains("\"/img../secret.txt\" climbs out of the alias of location \"/img\""))
        #expect(f.errorLog().contains("\"/rx../secret.txt\" climbs out of the alias of location"))
        #expect(try f.get("/img/..x").text == "dots\n")   // a name that only starts with two dots is a file
    }

    @Test func onlyADotDotSegmentRightAfterTheNameOrAtACapturesStartClimbs() {
        func climbs(_ uri: String, _ prefix: String) -> Bool {
            let files = StaticRuntime(root: Array("/data/".utf8), isAlias: true, aliasPrefix: Array(prefix.utf8), index: [])
            return FileLookup.climbsOutOfAlias(Array(uri.utf8), files, captures: [])
        }
        #expect(climbs("/img../a", "/img") && climbs("/img..", "/img"))
        #expect(!climbs("/img.../a", "/img") && !climbs("/img..a", "/img") && !climbs("/img./a", "/img"))
        #expect(!climbs("/img/a", "/img") && !climbs("/img", "/img") && !climbs("/pics/..a", "/pics/"))
        // A regex location's alias (a template, no prefix): its captures, never $0.
        let regex = StaticRuntime(root: [], rootTemplate: CompiledTemplate(parts: []), isAlias: true, index: [])
        func captured(_ caps: [String]) -> Bool {
            FileLookup.climbsOutOfAlias(Array(caps[0].utf8), regex, captures: caps.map { Array($0.utf8) })
        }
        #expect(captured(["/img../a", "../a"]) && captured(["/img..", ".."]))
        #expect(!captured(["/img/a", "/a"]) && !captured(["/img..a", "..a"]) && !captured(["../x"]))
        // A root (not an alias) never climbs this way.
        let root = StaticRuntime(root: Array("/data".utf8), isAlias: false, index: [])
        #expect(!FileLookup.climbsOutOfAlias(Array("/img../a".utf8), root, captures: ["/img../a", "../a"].map { Array($0.utf8) }))
    }
}
