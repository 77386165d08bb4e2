import Foundation
import Testing

/// docs/ARCHITECTURE.md draws the module graph; Package.swift is the graph. This keeps them equal.
private let packageRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()

/// Every non-test target of Package.swift with its dependencies (a product dependency by its product name).
func packageGraph(_ manifest: String) -> [String: Set<String>] {
    var graph: [String: Set<String>] = [:]
    let kinds = [".target(", ".executableTarget(", ".systemLibrary(", ".testTarget("]
    var rest = Substring(manifest)
    while let start = kinds.compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
        let isTest = rest[start].hasPrefix(".testTarget(")
        rest = rest[start.upperBound...]
        let next = kinds.compactMap { rest.range(of: $0)?.lowerBound }.min() ?? rest.endIndex
        let chunk = rest[..<next]
        guard !isTest, let name = quoted(after: "name: \"", in: chunk) else { continue }
        var dependencies: Set<String> = []
        if let list = chunk.range(of: "dependencies: [") {
            var text = chunk[list.upperBound...]
            text = text[..<(bracketEnd(text) ?? text.endIndex)]
            while let q = text.firstIndex(of: "\"") {
                let afterQuote = text[text.index(after: q)...]
                guard let close = afterQuote.firstIndex(of: "\"") else { break }
                if !text[..<q].hasSuffix("package: ") { dependencies.insert(String(afterQuote[..<close])) }
                text = afterQuote[afterQuote.index(after: close)...]
            }
        }
        graph[name] = dependencies
    }
    return graph
}

/// The graph drawn in the doc's "Modules and what they may import" block: `A, B ──> x, y   comment`
/// (a name's parenthesised note is dropped; `(nothing)` is no dependencies).
func documentedGraph(_ doc: String) -> [String: Set<String>] {
    guard let section = doc.range(of: "## Modules and what they may import"),
        let open = doc.range(of: "```\n", range: section.upperBound..<doc.endIndex),
        let close = doc.range(of: "```", range: open.upperBound..<doc.endIndex)
    else { return [:] }
    var graph: [String: Set<String>] = [:]
    for line in doc[open.upperBound..<close.lowerBound].split(separator: "\n") {
        let sides = line.components(separatedBy: "──>")
        guard sides.count == 2 else { continue }
        var right = sides[1].trimmingCharacters(in: .whitespaces)
        if let comment = right.range(of: "  ") { right = String(right[..<comment.lowerBound]) }
        let dependencies = right.hasPrefix("(") ? [] : Set(right.components(separatedBy: ", "))
        for name in sides[0].components(separatedBy: ",") {
            let word = name.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
            graph[word] = dependencies
        }
    }
    return graph
}

private func show(_ dependencies: Set<String>?) -> String {
    dependencies.map { "\($0.sorted())" } ?? "no such module"
}

private func quoted(after marker: String, in text: Substring) -> String? {
    guard let start = text.range(of: marker) else { return nil }
    let tail = text[start.upperBound...]
    return tail.firstIndex(of: "\"").map { String(tail[..<$0]) }
}

/// The index of the `]` closing a list whose `[` came just before `text`.
private func bracketEnd(_ text: Substring) -> Substring.Index? {
    var depth = 0
    for i in text.indices {
        if text[i] == "[" { depth += 1 }
        if text[i] == "]" {
            if depth == 0 { return i }
            depth -= 1
        }
    }
    return nil
}

struct ModuleGraphTests {
    @Test func theDocumentedGraphIsPackageSwifts() throws {
        let package = packageGraph(try String(contentsOfFile: packageRoot + "/Package.swift", encoding: .utf8))
        var documented = documentedGraph(try String(contentsOfFile: packageRoot + "/docs/ARCHITECTURE.md", encoding: .utf8))
        #expect(package["Proxy"] != nil && package["switchyard"]?.contains("ArgumentParser") == true)
        // `Fuzz<Name>` stands for every Fuzz… executable.
        if let fuzz = documented.removeValue(forKey: "Fuzz<Name>") {
            for name in package.keys where name.hasPrefix("Fuzz") && name != "FuzzChecks" { documented[name] = fuzz }
        }
        for name in Set(package.keys).union(documented.keys).sorted() {
            #expect(documented[name] == package[name], "\(name): the doc says \(show(documented[name])), Package.swift \(show(package[name]))")
        }
    }

    @Test func theParsersReadWhatTheyShould() {
        let manifest = """
            .target(name: "A", dependencies: ["B", .product(name: "P", package: "p")], swiftSettings: x),
            .systemLibrary(name: "C", pkgConfig: "c"),
            .testTarget(name: "ATests", dependencies: ["A"]),
            """
        #expect(packageGraph(manifest) == ["A": ["B", "P"], "C": []])
        let doc = "## Modules and what they may import\n\n```\nA (exe)  ──> B, P   note, here\nC, D ──> (nothing)\n```\n"
        #expect(documentedGraph(doc) == ["A": ["B", "P"], "C": [], "D": []])
    }
}
