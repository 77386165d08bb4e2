import Deflate
import Gzip
import HTTP1
import Testing

private func text(_ count: Int) -> [UInt8] {
    let line = Array("GET /tomcat-session/ HTTP/1.1 200 JSESSIONID=8F3A0C2.tomcat2 served\n".utf8)
    var out: [UInt8] = []
    while out.count < count { out += line + Array(String(out.count).utf8) }
    return Array(out.prefix(count))
}

private func gunzip(_ data: [UInt8]) throws -> [UInt8] {
    let inf = try Inflater(format: .gzip)
    var out: [UInt8] = []
    try data.withUnsafeBytes { _ = try inf.decode($0, into: &out) }
    #expect(inf.isFinished)
    return out
}

/// Streams `input` through a filter in `chunk` pieces, the way the engine would: keep offering the
/// unconsumed tail after draining the output, and end on the last piece.
private func stream(_ input: [UInt8], chunk: Int, buffers: GzipBuffers) throws -> (out: [UInt8], peak: Int, filter: GzipBodyFilter) {
    let filter = try GzipBodyFilter(level: 6, windowBits: 15, memLevel: 8, buffers: buffers)
    var sent: [UInt8] = []
    var pending: [UInt8] = []
    var peak = 0
    var i = 0
    repeat {
        let n = min(chunk, input.count - i)
        let last = i + n == input.count
        var offset = 0
        repeat {
            let used = input[(i + offset)..<(i + n)].withByteView {
                filter.write($0, end: last, into: &pending)
            }
            offset += used
            peak = max(peak, pending.count)
            sent += pending  // the client drains everything
            pending.removeAll(keepingCapacity: true)
        } while offset < n
        i += n
    } while i < input.count
    filter.finish(into: &sent)
    return (sent, peak, filter)
}

@Suite struct GzipBodyFilterTests {
    @Test(arguments: [1, 2, 3, 17, 1000, 4096, 65_537, 1 << 20])
    func decompressesToTheExactInputForEveryChunking(chunk: Int) throws {
        let input = text(120_000)
        let r = try stream(input, chunk: chunk, buffers: GzipBuffers(count: 4, size: 16 * 1024))
        #expect(try gunzip(r.out) == input)
        #expect(r.filter.bytesIn == input.count)
        #expect(r.filter.bytesOut == r.out.count)
    }

    /// A whole body whose compressed size is many times gzip_buffers (pseudorandom bytes, 2 x 4 KiB buffers) comes
    /// out as one member. The loops that fed a whole body to `write` never drained their output, so `write` took
    /// no more input once it held the buffers' worth, and they spun for ever (a cache HIT's gzip variant of such
    /// a body, up to 1 MiB, hung its worker).
    @Test func aWholeBodyLargerThanItsBuffersIsCompressed() throws {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        let input: [UInt8] = (0..<(256 * 1024)).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        let filter = try GzipBodyFilter(level: 1, windowBits: 15, memLevel: 8, buffers: GzipBuffers(count: 2, size: 4096))
        let out = input.withByteView { filter.compressWhole($0) }
        #expect(out.count > 8 * 4096)
        #expect(try gunzip(out) == input)
        #expect(filter.ratio?.bytesOut == out.count)
    }

    @Test func emptyBodyIsAValidGzip() throws {
        let r = try stream([], chunk: 1, buffers: GzipBuffers(count: 1, size: 4096))
        #expect(try gunzip(r.out) == [])
        #expect(r.filter.ratio == nil)  // nothing in: nginx leaves $gzip_ratio unset
    }

    /// Incompressible input with 2 x 1 KiB buffers: the filter stops taking input once the output
    /// holds its buffers' worth, so pending output never grows far past gzip_buffers.
    @Test func outputIsBoundedByGzipBuffers() throws {
        var rng: UInt64 = 99
        let input: [UInt8] = (0..<300_000).map { _ in
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: rng >> 33)
        }
        let buffers = GzipBuffers(count: 2, size: 1024)
        let r = try stream(input, chunk: 100_000, buffers: buffers)
        #expect(try gunzip(r.out) == input)
        #expect(r.peak <= buffers.totalBytes + GzipEncoder.scratchSize + 1024)
    }

    @Test func fullBuffersTakeNothingUntilDrained() throws {
        let filter = try GzipBodyFilter(level: 1, windowBits: 15, memLevel: 8, buffers: GzipBuffers(count: 1, size: 16))
        var out = [UInt8](repeating: 0, count: 16)
        let used = Array("abc".utf8).withByteView { filter.write($0, end: true, into: &out) }
        #expect(used == 0)
        #expect(!filter.isFinished)
    }

    @Test func flushDeliversASlowUpstreamsFirstBytes() throws {
        let filter = try GzipBodyFilter(level: 9, windowBits: 15, memLevel: 8, buffers: GzipBuffers(count: 4, size: 16 * 1024))
        var out: [UInt8] = []
        let first = text(700)
        _ = first.withByteView { filter.write($0, flush: true, into: &out) }
        let inf = try Inflater(format: .gzip)
        var plain: [UInt8] = []
        try out.withUnsafeBytes { _ = try inf.decode($0, into: &plain) }
        #expect(plain == first)
    }

    @Test func ratioCountsLikeNginx() throws {
        let input = text(100_000)
        let r = try stream(input, chunk: 10_000, buffers: GzipBuffers(count: 4, size: 16 * 1024))
        let ratio = try #require(r.filter.ratio)
        #expect(ratio.bytesIn == input.count)
        #expect(ratio.bytesOut == r.out.count)  // the whole member, trailer too, as nginx counts (10 + total_out + 8)
    }

    @Test(arguments: [
        (2125, 1000, "2.13"),  // nginx's own example of rounding
        (2124, 1000, "2.12"),
        (314, 100, "3.14"),
        (1000, 1000, "1.00"),
        (1999, 1000, "2.00"),  // .999 rounds into the whole part
        (3, 7, "0.43"),
        (1005, 1000, "1.01"),
    ])
    func ratioText(zin: Int, zout: Int, text: String) {
        #expect(GzipRatio(bytesIn: zin, bytesOut: zout)?.text == text)
    }
}
