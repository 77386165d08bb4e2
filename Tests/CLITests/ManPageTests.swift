import Foundation
import Testing

/// The man page's OPTIONS are exactly the flags `switchyard -h` prints (scripts/check-man.sh does the same
/// for an installed binary and page).
struct ManPageTests {
    private static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    private static var binary: String {
        if let env = ProcessInfo.processInfo.environment["SWITCHYARD_BIN"] { return env }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("switchyard").path
    }

    /// `-x` at the start of a help line, or of a man page `.B`/`.BI` line of OPTIONS.
    private static func flags(in lines: [Substring], prefixes: [String]) -> Set<String> {
        var out: Set<String> = []
        for line in lines {
            for prefix in prefixes where line.hasPrefix(prefix) {
                let rest = line.dropFirst(prefix.count)
                if let c = rest.first, c.isLetter { out.insert("-" + String(c)) }
            }
        }
        return out
    }

    @Test func optionsMatchHelp() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["-h"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let help = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let helpFlags = Self.flags(in: help.split(separator: "\n"), prefixes: ["  -"])

        let page = try String(contentsOfFile: Self.root + "/packaging/switchyard.8", encoding: .utf8)
        let options = page.components(separatedBy: "\n.SH ").first { $0.hasPrefix("OPTIONS") } ?? ""
        let pageFlags = Self.flags(in: options.split(separator: "\n"), prefixes: [".B \\-", ".BI \\-"])

        #expect(helpFlags.count >= 10)
        #expect(helpFlags.subtracting(pageFlags).sorted() == [], "flags of -h missing from packaging/switchyard.8 OPTIONS")
        #expect(pageFlags.subtracting(helpFlags).sorted() == [], "OPTIONS in packaging/switchyard.8 that -h does not list")
    }
}
