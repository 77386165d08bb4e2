import HTTP1
import Testing

/// memcached's answer to `memcached_pass`'s `get`, read as it arrives (nginx's ngx_http_memcached_module).
struct MemcachedReplyTests {
    let reply = MemcachedReply(key: Array("/a%20b".utf8))

    func head(_ text: String, limit: Int = 4096) -> MemcachedReply.Head {
        Array(text.utf8).withByteView { reply.head($0, limit: limit) }
    }

    @Test func aHitGivesItsFlagsLengthAndTheLineItTook() {
        #expect(head("VALUE /a%20b 2 5\r\nhello\r\nEND\r\n") == .found(flags: 2, length: 5, consumed: 18))
        #expect(head("VALUE /a%20b 0 0\r\n") == .found(flags: 0, length: 0, consumed: 18))
        #expect(head("VALUE /a%20b 0 5 77\r\n") == .found(flags: 0, length: 5, consumed: 21))   // a CAS value
    }

    @Test func aMissIsEnd() {
        #expect(head("END\r\n") == .notFound(consumed: 5))
    }

    @Test func aLineIsAwaitedWhole() {
        #expect(head("") == .incomplete)
        #expect(head("VALUE /a%20b 2") == .incomplete)
        #expect(head("VALUE /a%20b 2 5\r") == .incomplete)
    }

    @Test func anythingElseIsInvalidWithNginxsText() {
        #expect(head("ERROR\r\n") == .invalid("memcached sent invalid response: \"ERROR\""))
        #expect(head("SERVER_ERROR out of memory\r\n") == .invalid("memcached sent invalid response: \"SERVER_ERROR out of memory\""))
        #expect(head("VALUE /other 0 5\r\n") == .invalid("memcached sent invalid key in response \"/other\" for key \"/a%20b\""))
        #expect(head("VALUE /a%20b x 5\r\n") == .invalid("memcached sent invalid length in response \"VALUE /a%20b x 5\" for key \"/a%20b\""))
        #expect(head("VALUE /a%20b 0 -1\r\n") == .invalid("memcached sent invalid length in response \"VALUE /a%20b 0 -1\" for key \"/a%20b\""))
        #expect(head("END\n") == .invalid("memcached sent invalid response: \"END\""))
        #expect(head("VALUE /a%20b 0 5", limit: 16) == .invalid("memcached sent too big header"))
    }

    @Test func theTrailerIsReadInAnyPiecesAndCheckedByteForByte() {
        var r = reply
        let t = Array("\r\nEND\r\n".utf8)
        for split in 0...t.count {
            r = reply
            let first = Array(t[..<split]).withByteView { r.trailer($0) }
            let second = Array(t[split...]).withByteView { r.trailer($0) }
            if split == t.count {
                #expect(first == .ended(consumed: 7, valid: true))
            } else {
                #expect(first == .more(consumed: split))
                #expect(second == .ended(consumed: t.count - split, valid: true))
            }
        }
        r = reply
        #expect(Array("\r\nEND\r\nextra".utf8).withByteView { r.trailer($0) } == .ended(consumed: 7, valid: true))
        r = reply
        #expect(Array("\r\nERROR\r\n".utf8).withByteView { r.trailer($0) } == .ended(consumed: 3, valid: false))
    }

    @Test func keysAreEscapedAsNginxEscapesThem() {
        var out: [UInt8] = []
        MemcachedReply.escapeKey(Array("/a b%c\t\u{7f}é?x=1".utf8), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "/a%20b%25c%09%7Fé?x=1")
    }
}
