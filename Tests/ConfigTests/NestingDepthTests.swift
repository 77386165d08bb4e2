@testable import Config
import Testing

/// Block nesting is bounded in the reader (item 8 of issue 13), counted across included files, so no later
/// recursive walk can be handed a tree deep enough to overflow a stack.
struct NestingDepthTests {
    private func blocks(_ n: Int, inner: String = "") -> String {
        String(repeating: "a {\n", count: n) + inner + String(repeating: "}\n", count: n)
    }

    private func expectTooDeep(_ files: [String: String], at place: String) {
        do {
            _ = try load(files)
            Issue.record("accepted")
        } catch {
            #expect("\(error)" == "blocks are nested deeper than \(ConfigReader.maxBlockDepth) levels in \(place)")
        }
    }

    @Test func theReaderRefusesOneLevelTooMany() {
        let max = ConfigReader.maxBlockDepth
        expectTooDeep(["nginx.conf": blocks(max + 1)], at: "/c/nginx.conf:\(max + 1)")
        expectTooDeep(["nginx.conf": String(repeating: "a {\n", count: 40_000)], at: "/c/nginx.conf:\(max + 1)")
    }

    @Test func includedFilesCountFromTheBlockThatIncludesThem() {
        let max = ConfigReader.maxBlockDepth
        expectTooDeep(["nginx.conf": blocks(max - 1, inner: "include deep.conf;\n"), "deep.conf": "x {\ny {\n}\n}\n"],
                      at: "/c/deep.conf:2")
    }
}
