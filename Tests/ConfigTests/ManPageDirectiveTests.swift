@testable import Config
import Testing

/// The man page (packaging/switchyard.8) lists every directive of the directive table, and describes the
/// switchyard-only ones: a directive added to the table without its line in the page fails here.
struct ManPageDirectiveTests {
    static let page: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        let bytes = (try? FileSystemConfigSource().read(path + "/packaging/switchyard.8")) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }()

    /// The words between the `directive-list-begin` and `-end` comment lines.
    static var listedDirectives: Set<String> {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        guard let begin = lines.firstIndex(where: { $0.contains("directive-list-begin") }),
              let end = lines.firstIndex(where: { $0.contains("directive-list-end") }), begin < end else { return [] }
        return Set(lines[(begin + 1)..<end].flatMap { $0.split(separator: " ") }.map(String.init))
    }

    @Test func everyDirectiveOfTheTableIsListed() {
        let table = Set(DirectiveTable.all.map(\.name))
        let listed = Self.listedDirectives
        #expect(!listed.isEmpty, "packaging/switchyard.8 has no directive list")
        #expect(table.subtracting(listed).sorted() == [], "add these to the DIRECTIVES list of packaging/switchyard.8")
        #expect(listed.subtracting(table).sorted() == [], "not directives any more: remove them from packaging/switchyard.8")
    }

    @Test(arguments: ["jvm_route", "sticky", "jvm_route_status", "upstream_status", "stub_status", "proxy_cache_target_field"])
    func switchyardOnlyDirectiveIsDescribed(name: String) {
        #expect(DirectiveTable.byName[name] != nil)
        let sections = Self.page.split(separator: "\n.SH ")
        let only = sections.first { $0.hasPrefix("SWITCHYARD-ONLY DIRECTIVES") } ?? ""
        #expect(only.contains(".BI \"\(name) ") || only.contains(".B \(name)\n"), "describe \(name) in SWITCHYARD-ONLY DIRECTIVES")
    }

    @Test func srunIDIsDescribed() {
        #expect(Self.page.contains("srun_id="))
    }
}
