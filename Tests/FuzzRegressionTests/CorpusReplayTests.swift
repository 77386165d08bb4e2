import FuzzChecks
import Testing

/// Every seed and every kept crash input of every fuzz target (Fuzz/corpus/<target>/) goes through the same
/// checks as under libFuzzer, so a crash once found stays fixed.
@Suite struct CorpusReplayTests {
    /// `<package>/Fuzz/corpus`, found from this file's path (`<package>/Tests/FuzzRegressionTests/…`).
    static let corpus: String = {
        let parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).dropLast(3)
        return parts.joined(separator: "/") + "/Fuzz/corpus"
    }()

    // A bound, so an input that made a check hang (a timeout found by the fuzzer) fails instead of hanging.
    @Test(.timeLimit(.minutes(2)), arguments: FuzzTarget.allCases)
    func corpusPassesItsChecks(_ target: FuzzTarget) {
        let files = ReplayFile.files(in: Self.corpus + "/" + target.name)
        #expect(files.count >= 3, "\(target.name) has a seed corpus")
        for path in files {
            guard let data = ReplayFile.read(path) else {
                Issue.record("cannot read \(path)")
                continue
            }
            do throws(FuzzFailure) {
                try target.check(data)
            } catch {
                Issue.record("\(path): \(error)")
            }
        }
    }
}
