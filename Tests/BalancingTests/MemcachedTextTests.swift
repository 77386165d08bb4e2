import Testing

@testable import Balancing

/// The memcached text protocol as switchyard speaks it for shared routes: commands out, `get` replies in.
@Suite struct MemcachedTextTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func commands() {
        var out: [UInt8] = []
        MemcachedText.get(bytes("sy:l:z:8F3A"), into: &out)
        MemcachedText.set(bytes("sy:l:z:8F3A"), value: bytes("127.0.0.1:8081"), ttlSeconds: 600, into: &out)
        MemcachedText.delete(bytes("sy:l:z:8F3A"), into: &out)
        #expect(text(out) == "get sy:l:z:8F3A\r\nset sy:l:z:8F3A 0 600 14 noreply\r\n127.0.0.1:8081\r\n"
            + "delete sy:l:z:8F3A noreply\r\n")
    }

    /// A TTL past 30 days would be read as a Unix time (an entry that is already expired): capped.
    @Test func longTTLsAreCapped() {
        var out: [UInt8] = []
        MemcachedText.set(bytes("k"), value: [], ttlSeconds: 90 * 86_400, into: &out)
        #expect(text(out) == "set k 0 2592000 0 noreply\r\n\r\n")
    }

    @Test func keys() {
        #expect(MemcachedText.isValidKey(bytes("sy:l:z:8F3A.tomcat1")))
        #expect(!MemcachedText.isValidKey(bytes("a b")))
        #expect(!MemcachedText.isValidKey(bytes("a\r\nflush_all")))
        #expect(!MemcachedText.isValidKey([UInt8](repeating: 65, count: 251)))
        #expect(!MemcachedText.isValidKey([]))
    }

    private func replies(_ pieces: [[UInt8]]) -> [MemcachedReplyParser.Reply] {
        var parser = MemcachedReplyParser()
        var out: [MemcachedReplyParser.Reply] = []
        for piece in pieces {
            parser.feed(piece[...])
            while let r = parser.next() { out.append(r) }
        }
        return out
    }

    /// Hits, misses and a value holding CRLF and END, pipelined, whole and split at every byte.
    @Test func pipelinedRepliesSplitAnywhere() {
        let stream = bytes("VALUE sy:l:z:a 0 14\r\n127.0.0.1:8081\r\nEND\r\nEND\r\nVALUE k 0 7\r\nA\r\nEND\r\r\nEND\r\n")
        let expected: [MemcachedReplyParser.Reply] = [.hit(bytes("127.0.0.1:8081")), .miss, .hit(bytes("A\r\nEND\r")), ]
        #expect(replies([stream]) == expected)
        for cut in 1..<stream.count {
            #expect(replies([Array(stream[..<cut]), Array(stream[cut...])]) == expected, "split at \(cut)")
        }
        #expect(replies(stream.map { [$0] }) == expected, "one byte at a time")
    }

    @Test func errorsAndGarbageFail() {
        #expect(replies([bytes("SERVER_ERROR out of memory\r\n")]) == [.failure("SERVER_ERROR out of memory")])
        #expect(replies([bytes("ERROR\r\nEND\r\n")]) == [.failure("ERROR")], "the parser stays failed")
        #expect(replies([bytes("VALUE k 0 x\r\n")]) == [.failure("bad VALUE line")])
        #expect(replies([bytes("VALUE k 0 999999\r\n")]) == [.failure("bad VALUE line")], "larger than any route")
        #expect(replies([bytes("VALUE k 0 2\r\nabcd\r\n")]) == [.failure("value not followed by CRLF")])
        #expect(replies([[UInt8](repeating: 65, count: 2000)]) == [.failure("reply line too long")])
        #expect(replies([bytes("VALUE k 0 2\r\nab")]) == [], "incomplete: nothing yet")
    }
}
