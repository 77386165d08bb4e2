import Deflate
import Gzip
import HTTP1
import Testing

private func text(_ count: Int) -> [UInt8] {
    let line = Array("<li>JSESSIONID=8F3A0C2.tomcat2 served by switchyard</li>\n".utf8)
    var out: [UInt8] = []
    while out.count < count { out += line + Array(String(out.count).utf8) }
    return Array(out.prefix(count))
}

/// Undoes HTTP/1.1 chunked framing the way a client does; every piece must be a whole chunk.
private func unchunk(_ pieces: [[UInt8]]) throws -> [UInt8] {
    var body: [UInt8] = []
    for p in pieces {
        var d = ChunkedDecoder()
        var got: [UInt8] = []
        let (used, _) = try p.withByteView { try d.decode($0) { got += $0 } }
        #expect(used == p.count)
        #expect(p.suffix(2) == [13, 10])
        body += got
    }
    return body
}

private func gunzip(_ data: [UInt8]) throws -> (plain: [UInt8], finished: Bool) {
    let inf = try Inflater(format: .gzip)
    var out: [UInt8] = []
    try data.withUnsafeBytes { _ = try inf.decode($0, into: &out) }
    return (out, inf.isFinished)
}

/// `compress(_:flush:chunked:emit:)`: the copy-free path the engine sends from.
@Suite struct FramedCompressTests {
    @Test(arguments: [(1, true), (100, true), (4096, false), (32_768, true), (200_000, false), (200_000, true)])
    func framedOutputDecompressesToTheInputForEveryChunking(chunk: Int, chunked: Bool) throws {
        let input = text(200_000)
        let filter = try GzipBodyFilter(level: 6, windowBits: 15, memLevel: 8, buffers: GzipBuffers(count: 4, size: 4096))
        var pieces: [[UInt8]] = []
        var i = 0
        while i < input.count {
            let n = min(chunk, input.count - i)
            input[i..<(i + n)].withByteView { filter.compress($0, chunked: chunked) { pieces.append(Array($0)) } }
            i += n
        }
        filter.compress(ByteView.empty, flush: .finish, chunked: chunked) { pieces.append(Array($0)) }
        let gz = chunked ? try unchunk(pieces) : pieces.flatMap { $0 }
        let r = try gunzip(gz)
        #expect(r.plain == input && r.finished)
        #expect(filter.bytesOut == gz.count)
        #expect(pieces.allSatisfy { !$0.isEmpty && $0.count <= filter.outputCapacity + 17 })
        #expect(filter.isFinished)
        if chunked { #expect(Array(pieces.last!.suffix(7)) == Array("\r\n0\r\n\r\n".utf8)) }   // ends the body
    }

    /// Incompressible input bigger than the buffer: handed on in buffer-sized pieces, never accumulated.
    @Test func piecesAreBoundedByTheOutputBuffer() throws {
        var rng: UInt64 = 7
        let input: [UInt8] = (0..<300_000).map { _ in
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: rng >> 33)
        }
        let filter = try GzipBodyFilter(level: 1, windowBits: 15, memLevel: 8, buffers: GzipBuffers(count: 2, size: 8192))
        #expect(filter.outputCapacity == 16_384)
        var pieces: [[UInt8]] = []
        input.withByteView { filter.compress($0, flush: .finish, chunked: true) { pieces.append(Array($0)) } }
        #expect(pieces.count > 300_000 / 16_384)
        #expect(pieces.dropLast().allSatisfy { Array($0.prefix(6)) == Array("4000\r\n".utf8) })   // full 16 KiB chunks
        #expect(try gunzip(try unchunk(pieces)).plain == input)
    }

    @Test func syncFlushMakesEverythingSoFarDecodable() throws {
        let filter = try GzipBodyFilter(level: 9, windowBits: 15, memLevel: 8, buffers: GzipBuffers(count: 4, size: 16 * 1024))
        let first = text(700)
        var out: [UInt8] = []
        first.withByteView { filter.compress($0, chunked: false) { out += $0 } }
        filter.compress(ByteView.empty, flush: .sync, chunked: false) { out += $0 }
        let r = try gunzip(out)
        #expect(r.plain == first && !r.finished)
        // A second flush with nothing new adds nothing.
        var again: [UInt8] = []
        filter.compress(ByteView.empty, flush: .sync, chunked: false) { again += $0 }
        #expect(again.isEmpty)
    }

    @Test func finishTwiceAndEmptyBodies() throws {
        let filter = try GzipBodyFilter(level: 1, windowBits: 9, memLevel: 1, buffers: GzipBuffers(count: 1, size: 64))
        var out: [UInt8] = []
        filter.compress(ByteView.empty, flush: .finish, chunked: false) { out += $0 }
        filter.compress(ByteView.empty, flush: .finish, chunked: false) { out += $0 }
        let r = try gunzip(out)
        #expect(r.plain.isEmpty && r.finished)
        #expect(filter.ratio == nil)
    }
}
