@testable import DNS
import Testing

/// Builds response messages byte by byte, as a server would send them.
private struct Wire {
    var bytes: [UInt8] = []
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }
    mutating func name(_ dotted: String) { bytes += DNSName.encode(Array(dotted.utf8))! }
    mutating func pointer(_ offset: Int) { u16(0xC000 | UInt16(offset)) }
    /// Header with one question.
    static func header(id: UInt16, flags: UInt16 = 0x8180, answers: UInt16) -> Wire {
        var w = Wire()
        w.u16(id); w.u16(flags); w.u16(1); w.u16(answers); w.u16(0); w.u16(0)
        return w
    }
    mutating func question(_ name: String, _ type: UInt16) { self.name(name); u16(type); u16(1) }
    /// A record whose owner is a pointer to `owner`.
    mutating func record(owner: Int, type: UInt16, ttl: UInt32, data: [UInt8]) {
        pointer(owner); u16(type); u16(1); u32(ttl); u16(UInt16(data.count)); bytes += data
    }
}

struct DNSMessageTests {
    @Test func queryEncoding() throws {
        let wire = try #require(DNSQuery(id: 0xBEEF, name: Array("Api.Example.com.".utf8), type: DNSType.aaaa).encode())
        #expect(wire == [0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                         3, 97, 112, 105, 7, 101, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0, 0, 28, 0, 1])
    }

    @Test func namesDNSCannotCarryAreRefused() {
        #expect(DNSQuery(id: 1, name: Array("a..b".utf8), type: 1).encode() == nil)
        #expect(DNSQuery(id: 1, name: Array((String(repeating: "x", count: 64) + ".com").utf8), type: 1).encode() == nil)
        let long = Array(repeating: String(repeating: "x", count: 60), count: 5).joined(separator: ".")
        #expect(DNSQuery(id: 1, name: Array(long.utf8), type: 1).encode() == nil)
        #expect(DNSQuery(id: 1, name: [], type: 1).encode() == nil)
        // nginx's longest: four 63-byte labels (255 written out, 257 on the wire).
        let longest = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")
        #expect(DNSQuery(id: 1, name: Array(longest.utf8), type: 1).encode()?.count == 12 + 257 + 4)
    }

    /// Two A records whose owner names are compression pointers to the question's name.
    @Test func compressedAnswers() throws {
        var w = Wire.header(id: 7, answers: 2)
        w.question("backend.test", DNSType.a)
        w.record(owner: 12, type: DNSType.a, ttl: 60, data: [127, 0, 0, 1])
        w.record(owner: 12, type: DNSType.a, ttl: 30, data: [127, 0, 0, 2])
        let r = try DNSResponse.decode(w.bytes)
        #expect(r.id == 7 && r.rcode == 0 && !r.truncated)
        #expect(r.questionName == Array("backend.test".utf8))
        let (addresses, ttl, canonical) = r.addresses()
        #expect(addresses == [[127, 0, 0, 1], [127, 0, 0, 2]])
        #expect(ttl == 30)
        #expect(canonical == nil)
        #expect(r.answers(DNSQuery(id: 7, name: Array("BACKEND.test".utf8), type: DNSType.a)))
    }

    /// A CNAME, then the A record of its target, all in one answer (the target's name is itself a label
    /// followed by a pointer).
    @Test func cnameThenA() throws {
        var w = Wire.header(id: 9, answers: 2)
        w.question("www.test", DNSType.a)
        w.pointer(12); w.u16(DNSType.cname); w.u16(1); w.u32(300)
        let targetAt = w.bytes.count + 2
        w.u16(7); w.bytes += [4] + Array("edge".utf8); w.pointer(16)   // "edge" + pointer to "test"
        w.record(owner: targetAt, type: DNSType.a, ttl: 120, data: [10, 0, 0, 9])
        let r = try DNSResponse.decode(w.bytes)
        #expect(r.answers[0].data == .cname(Array("edge.test".utf8)))
        let (addresses, ttl, canonical) = r.addresses()
        #expect(addresses == [[10, 0, 0, 9]])
        #expect(ttl == 120)
        #expect(canonical == nil)
    }

    /// A CNAME whose target the answer does not resolve: the name to ask next.
    @Test func cnameAlone() throws {
        var w = Wire.header(id: 9, answers: 1)
        w.question("www.test", DNSType.a)
        w.pointer(12); w.u16(DNSType.cname); w.u16(1); w.u32(300)
        let name = DNSName.encode(Array("other.example".utf8))!
        w.u16(UInt16(name.count)); w.bytes += name
        let (addresses, _, canonical) = try DNSResponse.decode(w.bytes).addresses()
        #expect(addresses.isEmpty)
        #expect(canonical == Array("other.example".utf8))
    }

    @Test func pointerLoopsAndForwardPointersAreRefused() {
        var w = Wire.header(id: 1, answers: 0)
        w.pointer(12)   // the question's name points at itself
        w.u16(1); w.u16(1)
        #expect(throws: DNSDecodeError.badName) { try DNSResponse.decode(w.bytes) }
        var f = Wire.header(id: 1, answers: 0)
        f.pointer(14); f.pointer(12)   // forward, then back: a two-step loop
        f.u16(1); f.u16(1)
        #expect(throws: DNSDecodeError.badName) { try DNSResponse.decode(f.bytes) }
    }

    @Test func truncatedMessages() throws {
        var w = Wire.header(id: 3, answers: 1)
        w.question("a.test", DNSType.a)
        w.record(owner: 12, type: DNSType.a, ttl: 5, data: [1, 2, 3, 4])
        for cut in [0, 5, 11, 15, w.bytes.count - 3] {
            #expect(throws: DNSDecodeError.truncated) { try DNSResponse.decode(Array(w.bytes[..<cut])) }
        }
        // TC set: the server said so, and the records that are there are still read.
        var tc = Wire.header(id: 3, flags: 0x8380, answers: 3)
        tc.question("a.test", DNSType.a)
        tc.record(owner: 12, type: DNSType.a, ttl: 5, data: [1, 2, 3, 4])
        let r = try DNSResponse.decode(tc.bytes)
        #expect(r.truncated)
        #expect(r.addresses().addresses == [[1, 2, 3, 4]])
    }

    @Test func mismatchedIDNameOrTypeIsNoAnswer() throws {
        var w = Wire.header(id: 0x1234, answers: 0)
        w.question("a.test", DNSType.a)
        let r = try DNSResponse.decode(w.bytes)
        #expect(r.answers(DNSQuery(id: 0x1234, name: Array("a.test".utf8), type: DNSType.a)))
        #expect(!r.answers(DNSQuery(id: 0x1235, name: Array("a.test".utf8), type: DNSType.a)))
        #expect(!r.answers(DNSQuery(id: 0x1234, name: Array("b.test".utf8), type: DNSType.a)))
        #expect(!r.answers(DNSQuery(id: 0x1234, name: Array("a.test".utf8), type: DNSType.aaaa)))
    }

    @Test func errorsAndQueriesAreNotAnswers() throws {
        var nx = Wire.header(id: 5, flags: 0x8183, answers: 0)
        nx.question("gone.test", DNSType.a)
        #expect(try DNSResponse.decode(nx.bytes).rcode == 3)
        var q = Wire.header(id: 5, flags: 0x0100, answers: 0)
        q.question("gone.test", DNSType.a)
        #expect(throws: DNSDecodeError.malformed) { try DNSResponse.decode(q.bytes) }
        #expect(DNSFailure.text(3) == "Host not found")
        #expect(DNSFailure.text(110) == "Operation timed out")
        #expect(DNSFailure.text(5) == "Operation refused")
    }

    @Test func aaaaRecordsAndOtherTypes() throws {
        var w = Wire.header(id: 2, answers: 2)
        w.question("six.test", DNSType.aaaa)
        w.record(owner: 12, type: 16, ttl: 9, data: [3, 97, 98, 99])   // TXT: skipped
        w.record(owner: 12, type: DNSType.aaaa, ttl: 9, data: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        let (addresses, ttl, _) = try DNSResponse.decode(w.bytes).addresses()
        #expect(addresses == [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]])
        #expect(ttl == 9)
    }
}
