import HTTP1
import Testing

/// The writer's memory: bytes written past the array's count, committed when the head is done or when code
/// needs the array itself; growth keeps what was written.
struct HeadWriterStorageTests {
    @Test func growsPastItsCapacityKeepingEveryByte() {
        var w = HeadWriter(capacity: 8)
        var expected: [UInt8] = []
        for i in 0..<500 {
            let field = bytes("X-\(i): \(String(repeating: "v", count: i % 37))\r\n")
            w.append(field)
            expected += field
        }
        #expect(w.count == expected.count)
        #expect(w.finish() == expected)
    }

    @Test func codeThatNeedsTheArraySeesWhatWasWrittenAndCanChangeIt() {
        var w = HeadWriter(capacity: 16)
        w.append("Name: ")
        let seen = w.withBytes { a -> [UInt8] in
            let before = a
            a.append(contentsOf: bytes("value"))
            return before
        }
        #expect(text(seen) == "Name: ")
        w.appendCRLF()
        w.withBytes { $0.insert(contentsOf: bytes("X-"), at: 0) }
        w.append("Y: 1\r\n")
        #expect(text(w.finish()) == "X-Name: value\r\nY: 1\r\n")
    }

    @Test func truncatesBeforeAndAfterTheCommittedPart() {
        var w = HeadWriter()
        w.append("head\r\n")
        let head = w.count
        w.append("body")
        w.truncate(to: head)
        #expect(w.count == head)
        w.withBytes { _ in }   // everything so far committed
        w.append("more")
        w.truncate(to: 2)      // below the committed count
        w.append("!")
        #expect(text(w.finish()) == "he!")
    }

    @Test func aFillerWritesIntoTheSpareRoom() {
        var kept: [UInt8] = []
        var w = HeadWriter(reusing: &kept, minimumCapacity: 16)
        w.append("H\r\n\r\n")
        w.appendFilling(upTo: 100) { room in
            #expect(room.count == 100)
            for i in 0..<3 { room[i] = UInt8(ascii: "a") + UInt8(i) }
            return 3
        }
        w.appendFilling(upTo: 10) { _ in 0 }
        #expect(text(w.finish()) == "H\r\n\r\nabc")
    }

    @Test func aViewReadsWhatIsNotCommittedYet() {
        var w = HeadWriter()
        w.appendStatusLine(204)
        w.appendEnd()
        let seen = w.withByteView { Array($0) }
        #expect(text(seen) == "HTTP/1.1 204 No Content\r\n\r\n" && w[9] == UInt8(ascii: "2"))
        #expect(w.finish() == seen)
    }

    @Test(arguments: [
        (Int64(0), "0"), (7, "7"), (10, "10"), (-1, "-1"), (999, "999"), (Int64.max, "9223372036854775807"),
        (Int64.min, "-9223372036854775808"),
    ])
    func decimals(value: Int64, expected: String) {
        var w = HeadWriter(capacity: 1)
        w.appendDecimal(value)
        #expect(text(w.finish()) == expected)
    }

    @Test func startsAfterBytesItIsGiven() {
        let old = bytes("GET / HTTP/1.1\r\n")
        var w = HeadWriter(appendingTo: old)
        w.append("Host: a\r\n")
        #expect(text(w.finish()) == "GET / HTTP/1.1\r\nHost: a\r\n")
        #expect(text(old) == "GET / HTTP/1.1\r\n")   // the array it was given is not written into
    }
}
