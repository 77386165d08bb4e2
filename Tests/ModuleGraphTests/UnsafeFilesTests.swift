import Foundation
import Testing

/// docs/ARCHITECTURE.md's "Where unsafe code lives" names every source file that holds pointer code, and each
/// such file says so in its name. This keeps the rule true as code moves.
private let sourcesRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path + "/Sources"
}()

/// Spellings that mean pointer work in Swift source.
private let pointerWords = ["UnsafePointer", "UnsafeMutablePointer", "UnsafeRawPointer", "UnsafeMutableRawPointer",
    "UnsafeBufferPointer", "UnsafeMutableBufferPointer", "UnsafeRawBufferPointer", "UnsafeMutableRawBufferPointer",
    "Unmanaged", "OpaquePointer", "withUnsafe", "pointee", "baseAddress"]

/// Files under Sources (relative, e.g. `Cache/FileIO-unsafe.swift`) whose text uses a pointer word.
func filesWithPointerCode(under root: String) throws -> [String] {
    let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
    return try files.filter { $0.hasSuffix(".swift") }.filter { relative in
        let text = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
        return pointerWords.contains { text.contains($0) }
    }.sorted()
}

@Suite struct UnsafeFilesTests {
    @Test func pointerCodeLivesOnlyInFilesNamedUnsafe() throws {
        let files = try filesWithPointerCode(under: sourcesRoot)
        #expect(files.count >= 5, "the scan found \(files.count) files: is \(sourcesRoot) the source tree?")
        let misnamed = files.filter { !$0.hasSuffix("-unsafe.swift") }
        #expect(misnamed.isEmpty, "pointer code outside a file named …-unsafe.swift: \(misnamed)")
    }

    @Test func theArchitectureDocListsEveryUnsafeFile() throws {
        let doc = try String(contentsOfFile: sourcesRoot + "/../docs/ARCHITECTURE.md", encoding: .utf8)
        guard let start = doc.range(of: "## Where unsafe code lives") else {
            Issue.record("docs/ARCHITECTURE.md has no \"Where unsafe code lives\" section")
            return
        }
        let section = doc[start.upperBound...].prefix { $0 != "#" }
        let files = try filesWithPointerCode(under: sourcesRoot)
        // The doc names a file by its base name (`Kernel-unsafe.swift`) once its folder was said.
        let missing = files.filter { !section.contains(($0 as NSString).lastPathComponent) }
        #expect(missing.isEmpty, "unsafe files missing from docs/ARCHITECTURE.md: \(missing)")
    }
}
