@testable import Config
import Testing

/// Other blocks of tens of thousands of lines that a generator writes (`types`): every line is kept and what a
/// later line overwrites is still reported. Loading one once took time that grew with the square of its length:
/// a `types` line copied the level's whole table.
struct LargeBlockTests {
    private static let size = 20_000

    @Test func aLargeTypesBlockKeepsEveryExtensionAndWarnsOfARepeatedOne() throws {
        var lines = (1...Self.size).map { "type/t\($0) e\($0);" }
        lines.append("type/again E7;")
        var diagnostics: [ConfigDiagnostic] = []
        var files = http("include types.conf;\nserver { types { text/x x; } }")
        files["types.conf"] = "types {\n" + lines.joined(separator: "\n") + "\n}\n"
        let config = try load(files, diagnostics: &diagnostics)
        let types = config.http!.settings.content.types
        #expect(types.byExtension.count == Self.size)
        #expect(types["e1"] == "type/t1" && types["E\(Self.size / 2)"] == "type/t\(Self.size / 2)")
        #expect(types["e\(Self.size)"] == "type/t\(Self.size)")
        #expect(types["e7"] == "type/again")
        #expect(diagnostics.map(\.description) == [
            "[warn] duplicate extension \"e7\", content type: \"type/again\", previous content type: \"type/t7\" "
                + "in /c/types.conf:\(Self.size + 2)"])
        // A server's own block replaces the inherited table.
        #expect(config.http!.servers[0].settings.content.types.byExtension == ["x": "text/x"])
    }

}
