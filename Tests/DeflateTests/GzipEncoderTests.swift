import Deflate
import Testing

/// Compresses `input` fed in `chunk`-sized pieces, then ends the stream.
private func gzip(_ input: [UInt8], chunk: Int, level: Int = 6) throws -> [UInt8] {
    let enc = try GzipEncoder(level: level, windowBits: 15, memLevel: 8)
    var out: [UInt8] = []
    var i = 0
    while i < input.count {
        let n = min(chunk, input.count - i)
        input[i..<i + n].withUnsafeBytes { enc.encode($0, into: &out) }
        i += n
    }
    enc.finish(into: &out)
    return out
}

/// Decompresses a whole gzip stream, requiring that it ends exactly at the last byte.
private func gunzip(_ data: [UInt8]) throws -> [UInt8] {
    let inf = try Inflater(format: .gzip)
    var out: [UInt8] = []
    let used = try data.withUnsafeBytes { try inf.decode($0, into: &out) }
    #expect(inf.isFinished)
    #expect(used == data.count)
    return out
}

@Suite struct GzipEncoderTests {
    @Test func startsWithGzipMagic() throws {
        let out = try gzip(Array("hello".utf8), chunk: 5)
        #expect(Array(out.prefix(3)) == [0x1F, 0x8B, 0x08])
    }

    @Test(arguments: [1, 2, 3, 7, 13, 127, 4093, 65_536, 1 << 30])
    func textRoundTripsForEveryChunking(chunk: Int) throws {
        let input = TestData.text(50_000)
        let out = try gzip(input, chunk: chunk)
        #expect(out.count < input.count / 5)
        #expect(try gunzip(out) == input)
    }

    @Test(arguments: [1, 5, 31, 1021, 40_000])
    func randomRoundTripsForEveryChunking(chunk: Int) throws {
        let input = TestData.random(40_000)
        #expect(try gunzip(try gzip(input, chunk: chunk)) == input)
    }

    @Test(arguments: 1...9)
    func everyLevelRoundTrips(level: Int) throws {
        let input = TestData.text(20_000)
        #expect(try gunzip(try gzip(input, chunk: 999, level: level)) == input)
    }

    @Test func emptyInputIsAValidEmptyGzip() throws {
        let out = try gzip([], chunk: 1)
        #expect(Array(out.prefix(3)) == [0x1F, 0x8B, 0x08])
        #expect(try gunzip(out) == [])
    }

    @Test func finishTwiceWritesTheTrailerOnce() throws {
        let enc = try GzipEncoder(level: 1, windowBits: 15, memLevel: 8)
        var out: [UInt8] = []
        Array("abc".utf8).withUnsafeBytes { enc.encode($0, into: &out) }
        enc.finish(into: &out)
        let afterFirst = out
        enc.finish(into: &out)
        #expect(out == afterFirst)
        #expect(enc.isFinished)
        #expect(try gunzip(out) == Array("abc".utf8))
    }

    @Test func endFlagThenFinishIsIdempotent() throws {
        let enc = try GzipEncoder(level: 9, windowBits: 12, memLevel: 4)
        var out: [UInt8] = []
        Array("xyz".utf8).withUnsafeBytes { enc.encode($0, end: true, into: &out) }
        let ended = out
        enc.finish(into: &out)
        #expect(out == ended)
        #expect(try gunzip(out) == Array("xyz".utf8))
        #expect(enc.bytesIn == 3)
        #expect(enc.bytesOut == out.count)
    }

    @Test func syncFlushMakesEverythingSoFarDecodable() throws {
        let enc = try GzipEncoder(level: 9, windowBits: 15, memLevel: 8)
        let inf = try Inflater(format: .gzip)
        var compressed: [UInt8] = []
        var plain: [UInt8] = []
        let first = TestData.text(3000)
        first.withUnsafeBytes { enc.encode($0, flush: true, into: &compressed) }
        // A slow upstream's first bytes must reach the client before the stream ends.
        try compressed.withUnsafeBytes { _ = try inf.decode($0, into: &plain) }
        #expect(plain == first)
        #expect(!inf.isFinished)

        var rest: [UInt8] = []
        Array("tail".utf8).withUnsafeBytes { enc.encode($0, end: true, into: &rest) }
        try rest.withUnsafeBytes { _ = try inf.decode($0, into: &plain) }
        #expect(plain == first + Array("tail".utf8))
        #expect(inf.isFinished)
    }

    @Test func withoutFlushSmallInputStaysInsideZlib() throws {
        let enc = try GzipEncoder(level: 6, windowBits: 15, memLevel: 8)
        var out: [UInt8] = []
        Array("short".utf8).withUnsafeBytes { enc.encode($0, into: &out) }
        #expect(out.count == 10)  // only the gzip header: the data waits for more input or a flush
    }

    /// 64 MiB through encoder and inflater, 64 KiB at a time, draining after each step: the buffers
    /// never grow past a small bound, so memory does not depend on the body size.
    @Test func largeStreamRunsInConstantMemory() throws {
        let enc = try GzipEncoder(level: 1, windowBits: 15, memLevel: 8)
        let inf = try Inflater(format: .gzip)
        let block = TestData.random(16 * 1024, seed: 3) + TestData.text(48 * 1024)
        var compressed: [UInt8] = []
        var plain: [UInt8] = []
        var maxCompressed = 0
        var maxPlain = 0
        var total = 0
        var mismatches = 0
        for i in 0..<1024 {
            block.withUnsafeBytes { enc.encode($0, end: i == 1023, into: &compressed) }
            maxCompressed = max(maxCompressed, compressed.capacity)
            try compressed.withUnsafeBytes { _ = try inf.decode($0, into: &plain) }
            maxPlain = max(maxPlain, plain.capacity)
            // Spot-check the decoded bytes against their place in the repeated block.
            var k = 0
            while k < plain.count {
                if plain[k] != block[(total + k) % block.count] { mismatches += 1 }
                k += 509
            }
            total += plain.count
            compressed.removeAll(keepingCapacity: true)
            plain.removeAll(keepingCapacity: true)
        }
        #expect(total == 64 * 1024 * 1024)
        #expect(mismatches == 0)
        #expect(inf.isFinished)
        #expect(maxCompressed <= 256 * 1024)
        #expect(maxPlain <= 1024 * 1024)
    }
}

/// `step`: zlib writing into caller-owned space, however small.
@Suite struct GzipEncoderStepTests {
    @Test(arguments: [1, 7, 100, 65_536])
    func stepIntoSpaceOfAnySizeGivesTheSameStreamAsEncode(space: Int) throws {
        let input = TestData.text(50_000)
        let enc = try GzipEncoder(level: 6, windowBits: 15, memLevel: 8)
        var buf = [UInt8](repeating: 0, count: space)
        var out: [UInt8] = []
        for flush in [GzipFlush.none, .finish] {
            var rest = flush == .none ? input[...] : input[input.endIndex...]
            while true {
                let r = rest.withUnsafeBytes { i in buf.withUnsafeMutableBytes { enc.step(i, flush: flush, into: $0) } }
                out += buf[..<r.produced]
                rest = rest.dropFirst(r.consumed)
                if r.complete || enc.isFinished { break }
            }
        }
        #expect(enc.isFinished)
        #expect(enc.bytesIn == input.count && enc.bytesOut == out.count)
        #expect(try gunzip(out) == input)
        #expect(out == (try gzip(input, chunk: input.count)))   // byte-identical to the array path
    }
}
