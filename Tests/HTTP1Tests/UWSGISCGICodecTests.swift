import HTTP1
import Testing

/// The uwsgi packet, the SCGI netstring and the head their applications answer with, without sockets.
struct UWSGISCGICodecTests {
    @Test func uwsgiPacketIsModifiersAroundALittleEndianSizeThenLengthPrefixedVars() {
        var p = UWSGIPacket()
        p.add(name: "REQUEST_METHOD".utf8, value: "GET".utf8)
        p.add(name: "EMPTY".utf8, value: [UInt8]())
        let bytes = p.finish(modifier1: 5, modifier2: 7)!
        let vars: [UInt8] = [14, 0] + Array("REQUEST_METHOD".utf8) + [3, 0] + Array("GET".utf8)
            + [5, 0] + Array("EMPTY".utf8) + [0, 0]
        #expect(bytes == [5, UInt8(vars.count), 0, 7] + vars)
        let decoded = UWSGIPacket.decode(bytes + Array("body".utf8))!
        #expect(decoded.modifier1 == 5 && decoded.modifier2 == 7 && decoded.consumed == bytes.count)
        #expect(decoded.vars.map { String(decoding: $0.name, as: UTF8.self) } == ["REQUEST_METHOD", "EMPTY"])
        #expect(decoded.vars[0].value == Array("GET".utf8) && decoded.vars[1].value.isEmpty)
    }

    @Test func uwsgiSizesPast255UseTheHighByte() {
        var p = UWSGIPacket()
        p.add(name: "A".utf8, value: [UInt8](repeating: 120, count: 300))
        let bytes = p.finish(modifier1: 0, modifier2: 0)!
        #expect(p.size == 2 + 1 + 2 + 300)
        #expect(bytes[1] == UInt8((305) & 0xff) && bytes[2] == 1)
        #expect(Array(bytes[7..<9]) == [44, 1])   // 300 little-endian
        #expect(UWSGIPacket.decode(Array(bytes.dropLast()))  == nil)   // not whole yet
    }

    @Test func uwsgiVarsOver64KiBDoNotFit() {
        var p = UWSGIPacket()
        p.add(name: "A".utf8, value: [UInt8](repeating: 120, count: 40_000))
        p.add(name: "B".utf8, value: [UInt8](repeating: 120, count: 40_000))
        #expect(p.finish(modifier1: 0, modifier2: 0) == nil)
        #expect(p.size == 80_010)
        var q = UWSGIPacket()
        q.add(name: "A".utf8, value: [UInt8](repeating: 120, count: 70_000))
        #expect(q.finish(modifier1: 0, modifier2: 0) == nil)
    }

    @Test func scgiIsANetstringWithContentLengthFirst() {
        var h = SCGIHeaders(contentLength: 12)
        h.add(name: "SCGI".utf8, value: "1".utf8)
        h.add(name: "HTTP_X".utf8, value: [UInt8]())
        let pairs = "CONTENT_LENGTH\u{0}12\u{0}SCGI\u{0}1\u{0}HTTP_X\u{0}\u{0}"
        #expect(String(decoding: h.netstring(), as: UTF8.self) == "\(pairs.utf8.count):\(pairs),")
        let decoded = SCGIHeaders.decode(h.netstring() + Array("body".utf8))!
        #expect(decoded.consumed == h.netstring().count)
        #expect(decoded.pairs.map { String(decoding: $0.name, as: UTF8.self) } == ["CONTENT_LENGTH", "SCGI", "HTTP_X"])
        #expect(SCGIHeaders.decode(Array("5:AB".utf8)) == nil)
        #expect(SCGIHeaders(contentLength: 0).netstring() == Array("17:CONTENT_LENGTH\u{0}0\u{0},".utf8))
    }

    /// Feeds `text` to a CGIHead cut at `cut`, then converts it as uwsgi and SCGI do.
    private static func head(_ text: String, cut: Int) -> (head: String?, error: String?, body: String) {
        var h = CGIHead()
        let bytes = Array(text.utf8)
        var body: [UInt8] = []
        var done = false
        for piece in [Array(bytes.prefix(cut)), Array(bytes.dropFirst(cut))] {
            if done { body += piece; continue }
            switch piece.withByteView({ h.take($0) }) {
            case .incomplete: continue
            case .complete(let used): body = Array(piece[used...]); done = true
            }
        }
        guard done else { return (nil, "incomplete", "") }
        let r = h.httpHeadOrError(statusLine: true)
        return (r.head.map { String(decoding: $0.head, as: UTF8.self) }, r.error, String(decoding: body, as: UTF8.self))
    }

    @Test func aStatusLineOrStatusFieldInEverySplit() {
        let cases: [(String, String)] = [
            ("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nbody",
             "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\n"),
            ("HTTP/1.0 201\nX: y\n\nbody", "HTTP/1.1 201\r\nX: y\r\n\r\n"),
            ("HTTP/1.1 200 OK\r\nStatus: 500 Ignored\r\n\r\nbody", "HTTP/1.1 200 OK\r\n\r\n"),
            ("Status: 418 Teapot\r\nX: y\r\n\r\nbody", "HTTP/1.1 418 Teapot\r\nX: y\r\n\r\n"),
            ("Location: /x\r\n\r\nbody", "HTTP/1.1 302 Moved Temporarily\r\nLocation: /x\r\n\r\n"),
            ("Content-Type: text/html\r\n\r\nbody", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"),
        ]
        for (text, expected) in cases {
            for cut in 0...text.utf8.count {
                let r = Self.head(text, cut: cut)
                #expect(r.head == expected, "\(text.debugDescription) cut at \(cut)")
                #expect(r.body == "body", "\(text.debugDescription) cut at \(cut)")
            }
        }
    }

    @Test func malformedHeadsAreNginxsErrors() {
        #expect(Self.head("HTTP/1.1 2x0 OK\r\n\r\n", cut: 3).error == "upstream sent invalid header")
        #expect(Self.head("not a header\r\n\r\n", cut: 5).error == "upstream sent invalid header")
        #expect(Self.head("Status: abc\r\n\r\n", cut: 5).error == "upstream sent invalid status \"abc\"")
        #expect(Self.head("HTTP/1.1 200 OK\r\nX: 1\r\n", cut: 10).error == "incomplete")
    }

    @Test func statusLineNeedsVersionSpaceAndThreeDigits() {
        #expect(CGIHead.statusLine(Array("HTTP/1.1 200 OK\r\n".utf8))?.status == 200)
        #expect(CGIHead.statusLine(Array("HTTP/1.1 200\n".utf8))?.reason.isEmpty == true)
        #expect(CGIHead.statusLine(Array("HTTP/1.1 20\r\n".utf8)) == nil)
        #expect(CGIHead.statusLine(Array("HTTP/1 200\r\n".utf8)) == nil)
        #expect(CGIHead.statusLine(Array("HTTP/1.1 2000\r\n".utf8)) == nil)
        #expect(CGIHead.statusLine(Array("Status: 200\r\n".utf8)) == nil)
    }
}
