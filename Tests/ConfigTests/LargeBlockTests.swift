@testable import Config
import Testing

/// Other blocks of tens of thousands of lines that a generator writes (`types`, `geo` ranges): every line is kept
/// and what a later line overwrites is still reported or replaced. Each of these once took time that grew with
/// the square of its length: a `types` line copied the level's whole table, a range line rebuilt and sorted the
/// list of ranges.
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

    /// A server of 20,000 locations keeps them in order, and a repeated one is still refused at its line, nested
    /// ones checked among their own siblings only. Each location was compared with every earlier one.
    @Test func aServerOfManyLocationsKeepsThemAndRefusesARepeat() throws {
        let lines = (1...Self.size).map { "location /p\($0) { return 200; }" }
        var files = http("server { include locations.conf; location /n { location /n/x {} location /n/y {} } }")
        files["locations.conf"] = lines.joined(separator: "\n") + "\n"
        let server = try load(files).http!.servers[0]
        #expect(server.locations.count == Self.size + 1)
        #expect(server.locations.last?.nested.count == 2)
        files["locations.conf"]! += "location /p\(Self.size / 2) {}\n"
        #expect(loadError(files) == "duplicate location \"/p\(Self.size / 2)\" in /c/locations.conf:\(Self.size + 1)")
        files["locations.conf"] = "location /q { location /q/a {} location /q/a {} }\n"
        #expect(loadError(files) == "duplicate location \"/q/a\" in /c/locations.conf:1")
    }

    @Test func aLargeGeoRangesBlockKeepsEveryRange() throws {
        func address(_ n: Int) -> String { "10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)" }
        // Two addresses a range, in order, then one range over some of them and a delete.
        var lines = ["ranges;", "default d;"]
        lines += (0..<Self.size).map { "\(address(2 * $0))-\(address(2 * $0 + 1)) v\($0);" }
        lines.append("\(address(11))-\(address(20)) over;")
        lines.append("delete \(address(30))-\(address(31));")
        var files = http("geo $arg_ip $g { include geo.conf; }")
        files["geo.conf"] = lines.joined(separator: "\n") + "\n"
        let ranges = try #require(try load(files).http!.geos[0].ranges)
        func value(_ n: Int) -> String? {
            GeoRange.find(ranges, 0x0a00_0000 + UInt32(n)).map { String(decoding: $0.value, as: UTF8.self) }
        }
        #expect(ranges.count == Self.size - 4)   // 11…20 takes the place of four ranges and cuts two, 30-31 goes
        #expect(value(0) == "v0" && value(1) == "v0")
        #expect(value(10) == "v5" && value(11) == "over" && value(20) == "over" && value(21) == "v10")
        #expect(value(30) == nil && value(32) == "v16")
        #expect(value(Self.size) == "v\(Self.size / 2)")
        #expect(value(2 * Self.size - 1) == "v\(Self.size - 1)" && value(2 * Self.size) == nil)
    }
}
