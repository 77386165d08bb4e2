import HTTP1
import Testing

/// The writer the proxy builds its heads with: fields copied by range, fields whose value is evaluated in
/// place, and a buffer reused across heads.
struct HeadWriterFieldTests {
    @Test func copiesFieldsOfAParsedHeadByRange() {
        var parser = ResponseHeadParser()
        let wire = bytes("HTTP/1.1 200 OK\r\nX-One: a b\r\nx-two:\tc\r\n\r\n")
        guard case .complete(let head, _) = wire.withByteView({ parser.parse($0) }) else {
            Issue.record("did not parse")
            return
        }
        var w = HeadWriter()
        w.appendStatusLine(head.status)
        for h in head.headers { w.appendField(of: head.bytes, name: h.name, value: h.value) }
        w.appendName(of: head.bytes, head.headers[0].name)
        w.append(head.bytes, head.headers[1].value)
        w.appendCRLF()
        w.appendEnd()
        #expect(text(w.finish()) == "HTTP/1.1 200 OK\r\nX-One: a b\r\nx-two: c\r\nX-One: c\r\n\r\n")
    }

    @Test func aFieldWhoseValueComesOutEmptyIsDropped() {
        var w = HeadWriter()
        w.appendRequestLine(method: "GET", target: bytes("/a"))
        let host = w.beginField(bytes("Host"))
        w.append(contentsOf: bytes("example.org"))
        let hostKept = w.endFieldUnlessEmpty(host)
        let empty = w.beginField(bytes("Connection"))
        let emptyKept = w.endFieldUnlessEmpty(empty)
        #expect(hostKept && !emptyKept)
        w.append("X-Literal: 1\r\n")
        w.appendHeader("Content-Length", Int64(12))
        w.appendEnd()
        #expect(text(w.finish()) == "GET /a HTTP/1.1\r\nHost: example.org\r\nX-Literal: 1\r\nContent-Length: 12\r\n\r\n")
    }

    @Test func requestLineFromPieces() {
        var w = HeadWriter()
        w.append(contentsOf: bytes("PURGE"))
        w.append(32)
        w.append(contentsOf: bytes("/x?y"))
        w.appendRequestLineEnd(.http1_0)
        #expect(text(w.finish()) == "PURGE /x?y HTTP/1.0\r\n")
    }

    /// The usual statuses are written from whole lines, the others from their phrases: the same bytes.
    @Test func everyStatusLineReadsCodeAndPhrase() {
        for status in 100...599 {
            var w = HeadWriter()
            w.appendStatusLine(status)
            let phrase = StatusReason.phrase(for: status).map { "\($0)" } ?? ""
            #expect(text(w.finish()) == "HTTP/1.1 \(status) \(phrase)\r\n")
        }
        var old = HeadWriter()
        old.appendStatusLine(200, version: .http1_0)
        #expect(text(old.finish()) == "HTTP/1.0 200 OK\r\n")
    }

    /// Codes nginx's status-line table has no phrase for go out with none (`return 451` is `HTTP/1.1 451 `): they
    /// carried the RFC's phrase, a status line nginx never writes.
    @Test func codesWithoutAPhraseInNginxsTableGoOutWithNone() {
        for status in [100, 102, 103, 203, 205, 207, 300, 305, 306, 407, 417, 418, 422, 426, 428, 451, 506, 508] {
            var w = HeadWriter()
            w.appendStatusLine(status)
            #expect(text(w.finish()) == "HTTP/1.1 \(status) \r\n")
        }
        var w = HeadWriter()
        w.appendStatusLine(429)
        #expect(text(w.finish()) == "HTTP/1.1 429 Too Many Requests\r\n")
    }

    @Test func reusesTheBufferItIsGiven() {
        var kept: [UInt8] = []
        kept.reserveCapacity(1024)
        kept.append(contentsOf: bytes("old head"))
        let capacity = kept.capacity
        var w = HeadWriter(reusing: &kept)
        #expect(kept.isEmpty)
        #expect(w.count == 0)
        w.appendStatusLine(204)
        w.appendEnd()
        kept = w.finish()
        #expect(text(kept) == "HTTP/1.1 204 No Content\r\n\r\n" && kept.capacity == capacity)
    }
}
