import Config
import HTTP1
import Regex

/// A `match` block compiled (or the default test: a 2xx or 3xx status), evaluated against a health check's
/// response. Pure: a head and the body's first bytes in, a verdict out (HealthMatchTests drives it).
struct HealthMatch: @unchecked Sendable {
    enum Test {
        case status(negated: Bool, ranges: [ClosedRange<Int>])
        /// `name` lower-cased; regexes compiled at load.
        case header(name: [UInt8], test: HeaderTest)
        case body(Regex, negated: Bool)
    }

    enum HeaderTest {
        case present, absent
        case equals([UInt8]), notEquals([UInt8])
        case matches(Regex), notMatches(Regex)
    }

    /// nginx Plus's words for what failed, after "peer is unhealthy while ".
    enum Verdict: Equatable {
        case pass
        case fail(String)
    }

    /// How much of the body is examined (nginx Plus: the first 256k).
    static let bodyLimit = 256 * 1024

    let tests: [Test]

    /// Without `match=`: the status must be 2xx or 3xx.
    static let standard = HealthMatch(tests: [.status(negated: false, ranges: [200...399])])

    /// Whether a body test needs the body read (otherwise the head decides).
    var readsBody: Bool { tests.contains { if case .body = $0 { true } else { false } } }

    /// The head's tests (status, then headers, in block order); `.pass` when they all hold.
    func evaluate(head: ResponseHead) -> Verdict {
        for test in tests {
            switch test {
            case .status(let negated, let ranges):
                if ranges.contains(where: { $0.contains(head.status) }) == negated { return .fail("checking status code") }
            case .header(let name, let t):
                if !Self.holds(t, head: head, name: name) { return .fail("checking headers") }
            case .body:
                continue
            }
        }
        return .pass
    }

    /// Every test: the head's, then the body's on `body` (its first `bodyLimit` bytes).
    func evaluate(head: ResponseHead, body: [UInt8]) -> Verdict {
        let verdict = evaluate(head: head)
        guard verdict == .pass else { return verdict }
        for case .body(let regex, let negated) in tests {
            if regex.matches(body, with: regex.makeMatchData()) == negated { return .fail("checking body") }
        }
        return .pass
    }

    private static func holds(_ test: HeaderTest, head: ResponseHead, name: [UInt8]) -> Bool {
        var values: [ArraySlice<UInt8>] = []
        head.forEachHeader(named: name) { values.append($0) }
        switch test {
        case .present: return !values.isEmpty
        case .absent: return values.isEmpty
        case .equals(let v): return values.contains { $0.elementsEqual(v) }
        case .notEquals(let v): return !values.isEmpty && !values.contains { $0.elementsEqual(v) }
        case .matches(let re): return values.contains { re.matches(Array($0), with: re.makeMatchData()) }
        case .notMatches(let re): return !values.isEmpty && !values.contains { re.matches(Array($0), with: re.makeMatchData()) }
        }
    }
}

extension HealthMatch {
    /// Compiles a `match` block (its regexes were checked at load: a failure here is the same error).
    init(_ config: MatchConfig) throws(ConfigError) {
        func regex(_ pattern: String) throws(ConfigError) -> Regex {
            do { return try Regex(pattern) } catch { throw ConfigError(error.description, at: config.location) }
        }
        var tests: [Test] = []
        for t in config.tests {
            switch t {
            case .status(let negated, let ranges):
                tests.append(.status(negated: negated, ranges: ranges))
            case .header(let name, let test):
                let n = Array(name.lowercased().utf8)
                switch test {
                case .present: tests.append(.header(name: n, test: .present))
                case .absent: tests.append(.header(name: n, test: .absent))
                case .equals(let v): tests.append(.header(name: n, test: .equals(Array(v.utf8))))
                case .notEquals(let v): tests.append(.header(name: n, test: .notEquals(Array(v.utf8))))
                case .matches(let p): tests.append(.header(name: n, test: .matches(try regex(p))))
                case .notMatches(let p): tests.append(.header(name: n, test: .notMatches(try regex(p))))
                }
            case .body(let pattern, let negated):
                tests.append(.body(try regex(pattern), negated: negated))
            }
        }
        self.tests = tests
    }
}
