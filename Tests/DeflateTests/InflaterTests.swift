import Deflate
import Testing

@Suite struct InflaterTests {
    private func compressed(_ input: [UInt8]) throws -> [UInt8] {
        let enc = try GzipEncoder(level: 6, windowBits: 15, memLevel: 8)
        var out: [UInt8] = []
        input.withUnsafeBytes { enc.encode($0, end: true, into: &out) }
        return out
    }

    @Test(arguments: [1, 2, 11, 509, 100_000])
    func decodesAcrossEveryChunking(chunk: Int) throws {
        let input = TestData.text(30_000)
        let data = try compressed(input)
        let inf = try Inflater(format: .gzip)
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            let n = min(chunk, data.count - i)
            let used = try data[i..<i + n].withUnsafeBytes { try inf.decode($0, into: &out) }
            #expect(used == n)
            i += n
        }
        #expect(inf.isFinished)
        #expect(out == input)
    }

    /// A bounded caller: each call makes at most `limit` plus one scratch buffer (16 KiB) of output and says how
    /// much input it took; calls with the rest, then with no input at all, drain what zlib holds, to the end.
    @Test(arguments: [4096, 50_000])
    func outputLimitBoundsEachCallAndLosesNothing(limit: Int) throws {
        let input = [UInt8](repeating: 0x61, count: 3 << 20) + TestData.text(20_000)
        let data = try compressed(input)
        let inf = try Inflater(format: .gzip)
        var out: [UInt8] = []
        var used = 0, calls = 0
        while !inf.isFinished && calls < 10_000 {
            let before = out.count
            used += try data[used...].withUnsafeBytes { try inf.decode($0, into: &out, limit: limit) }
            #expect(out.count - before <= limit + 16 * 1024)
            calls += 1
        }
        #expect(inf.isFinished && used == data.count)
        #expect(out == input)
        #expect(calls > input.count / (limit + 16 * 1024))   // it did stop at the bound
    }

    @Test func stopsAtEndAndReportsTrailingBytes() throws {
        let data = try compressed(Array("body".utf8)) + Array("NEXT".utf8)
        let inf = try Inflater(format: .auto)
        var out: [UInt8] = []
        let used = try data.withUnsafeBytes { try inf.decode($0, into: &out) }
        #expect(out == Array("body".utf8))
        #expect(used == data.count - 4)
        #expect(throws: DeflateError(.afterEnd, code: 0)) {
            try Array("x".utf8).withUnsafeBytes { try inf.decode($0, into: &out) }
        }
    }

    @Test func corruptChecksumIsAnError() throws {
        var data = try compressed(TestData.text(1000))
        data[data.count - 6] ^= 0xFF  // inside the CRC32 of the trailer
        let inf = try Inflater(format: .gzip)
        var out: [UInt8] = []
        #expect(throws: DeflateError.self) {
            try data.withUnsafeBytes { _ = try inf.decode($0, into: &out) }
        }
    }

    @Test func garbageIsAnError() throws {
        let inf = try Inflater(format: .gzip)
        var out: [UInt8] = []
        #expect(throws: DeflateError.self) {
            try Array("not gzip at all".utf8).withUnsafeBytes { _ = try inf.decode($0, into: &out) }
        }
    }

    @Test func truncatedStreamIsNotFinished() throws {
        let data = try compressed(TestData.text(5000))
        let inf = try Inflater(format: .gzip)
        var out: [UInt8] = []
        try data.dropLast(3).withUnsafeBytes { _ = try inf.decode($0, into: &out) }
        #expect(!inf.isFinished)
    }
}
