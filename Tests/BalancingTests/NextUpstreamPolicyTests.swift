import Testing

@testable import Balancing

@Suite struct NextUpstreamPolicyTests {
    struct Row: Sendable, CustomStringConvertible {
        var conditions: NextUpstreamPolicy.Conditions
        var failure: NextUpstreamPolicy.FailureKind
        var method = "GET"
        var requestSent = true
        var responseSent = false
        var tries = 1
        var peerTries = 3
        var limit = 0
        var timeout: Duration = .zero
        var elapsed: Duration = .seconds(1)
        var unbuffered = false
        var retry: Bool
        var description: String { "\(conditions.rawValue) \(failure) \(method) sent=\(requestSent) tries=\(tries) → \(retry)" }
    }

    static let rows: [Row] = [
        Row(conditions: [.error, .timeout], failure: .error, retry: true),
        Row(conditions: [.error, .timeout], failure: .timeout, retry: true),
        Row(conditions: [.error, .timeout], failure: .invalidHeader, retry: false),
        Row(conditions: [.error, .timeout], failure: .httpStatus(502), retry: false),
        Row(conditions: [.error, .http502], failure: .httpStatus(502), retry: true),
        Row(conditions: [.http500, .http503, .http504, .http403, .http404, .http429], failure: .httpStatus(429),
            retry: true),
        Row(conditions: [.http500, .http502, .http503, .http504], failure: .httpStatus(501), retry: false),
        Row(conditions: [.invalidHeader], failure: .invalidHeader, retry: true),
        // Non-idempotent methods are not resent once the server had them…
        Row(conditions: [.error, .timeout], failure: .error, method: "POST", retry: false),
        Row(conditions: [.error, .timeout], failure: .timeout, method: "PATCH", retry: false),
        Row(conditions: [.error, .timeout], failure: .error, method: "LOCK", retry: false),
        // …but may go elsewhere if the request never left (connect failed)…
        Row(conditions: [.error, .timeout], failure: .error, method: "POST", requestSent: false, retry: true),
        // …or with non_idempotent.
        Row(conditions: [.error, .nonIdempotent], failure: .error, method: "POST", retry: true),
        Row(conditions: [.error], failure: .error, method: "PUT", retry: true),
        Row(conditions: [.error], failure: .error, method: "DELETE", retry: true),
        // Never once response bytes reached the client.
        Row(conditions: [.error, .timeout, .nonIdempotent], failure: .error, responseSent: true, retry: false),
        // Tries: the servers' count, or proxy_next_upstream_tries when lower.
        Row(conditions: [.error], failure: .error, tries: 3, peerTries: 3, retry: false),
        Row(conditions: [.error], failure: .error, tries: 2, peerTries: 3, retry: true),
        Row(conditions: [.error], failure: .error, tries: 2, peerTries: 3, limit: 2, retry: false),
        Row(conditions: [.error], failure: .error, tries: 1, peerTries: 1, retry: false),
        // proxy_next_upstream_timeout.
        Row(conditions: [.error], failure: .error, timeout: .seconds(5), elapsed: .seconds(5), retry: false),
        Row(conditions: [.error], failure: .error, timeout: .seconds(5), elapsed: .milliseconds(4999), retry: true),
        // `off` is the empty set.
        Row(conditions: [], failure: .error, retry: false),
        // A streamed (unbuffered) body cannot be resent.
        Row(conditions: [.error], failure: .error, unbuffered: true, retry: false),
        Row(conditions: [.error], failure: .error, requestSent: false, unbuffered: true, retry: true),
    ]

    @Test(arguments: rows)
    func retryDecision(row: Row) {
        let policy = NextUpstreamPolicy(conditions: row.conditions, tries: row.limit, timeout: row.timeout)
        let decision = policy.mayRetry(
            row.failure, isIdempotent: NextUpstreamPolicy.isIdempotent(method: Array(row.method.utf8)),
            requestSent: row.requestSent, responseBytesSentToClient: row.responseSent, tries: row.tries,
            peerTries: row.peerTries, elapsed: row.elapsed, requestBodyUnbuffered: row.unbuffered)
        #expect(decision == row.retry)
    }

    @Test func defaultIsErrorAndTimeout() {
        #expect(NextUpstreamPolicy.default.conditions == [.error, .timeout])
        #expect(NextUpstreamPolicy.default.tries == 0)
    }

    @Test(arguments: [
        (NextUpstreamPolicy.FailureKind.error, PeerOutcome.failed, 502),
        (.timeout, .failed, 504),
        (.invalidHeader, .failed, 502),
        (.httpStatus(500), .failed, 500),
        (.httpStatus(403), .next, 403),
        (.httpStatus(404), .next, 404),
        (.httpStatus(504), .failed, 504),
    ])
    func outcomeAndClientStatus(failure: NextUpstreamPolicy.FailureKind, outcome: PeerOutcome, status: Int) {
        #expect(NextUpstreamPolicy.outcome(for: failure) == outcome)
        #expect(NextUpstreamPolicy.clientStatus(for: failure) == status)
    }
}
