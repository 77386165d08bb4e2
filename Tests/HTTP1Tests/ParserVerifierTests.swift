import HTTP1
import Testing

/// A parser that wrongly decides from the first bytes it sees: the verifier must catch it.
private struct FirstCallDecides: HeadParsing {
    var calls = 0
    mutating func parse(_ buffer: ByteView) -> HeadParseResult<RequestHead> {
        calls += 1
        return buffer.count >= 4 && calls == 1 ? .failed(.invalidRequest) : .incomplete
    }
    mutating func reset() { calls = 0 }
}

struct ParserVerifierTests {
    @Test func catchesAParserThatDependsOnHowBytesArrive() {
        #expect(throws: ParserVerifier.Mismatch.self) {
            _ = try ParserVerifier.verify(bytes("GET / HTTP/1.1\r\n\r\n"), make: { FirstCallDecides() })
        }
    }

    @Test func connectionFlagsReachTheHead() throws {
        let upgrade = try request("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        #expect(upgrade.connectionUpgrade && upgrade.hasUpgrade && upgrade.keepAlive)
        let bare = try request("GET /ws HTTP/1.1\r\nHost: a\r\nUPGRADE: h2c\r\n\r\n")
        #expect(bare.hasUpgrade && !bare.connectionUpgrade)
        let plain = try request("GET / HTTP/1.1\r\nHost: a\r\nUpgrades: x\r\n\r\n")
        #expect(!plain.connectionUpgrade && !plain.hasUpgrade)
    }
}
