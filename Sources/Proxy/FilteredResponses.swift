import Config
import EventLoop
import Gzip
import HTTP1

/// The body path after the content filters for responses switchyard makes itself (a file, `return`, an error page):
/// gzip when the location compresses, else the client's framing (chunked for HTTP/1.1, close-delimited for
/// 1.0; a subrequest's body is never framed), into the request's sink. At the end: the gzip trailer or the last
/// chunk, then the response is complete.
final class BodyWriter: BodyOutput {
    private unowned(unsafe) let request: Request   // the request (and its sink) outlive its filter's writer
    private unowned(unsafe) let sink: any ResponseSink
    private let gzip: GzipStream?
    private let chunked: Bool
    private var chunk: [UInt8] = []
    /// nginx's postpone_output: the head and the first body bytes wait until this many are due or the body ends
    /// (`holdHead`), so a subrequest the page waits for can still fail the response before anything went out.
    static let postponeOutput = 1460
    private var held: [UInt8]?

    init(request: Request, gzip: GzipStream?, chunked: Bool) {
        self.request = request
        self.sink = request.sink
        self.gzip = gzip
        self.chunked = chunked
    }

    /// The head goes out with the first body bytes instead of now (see `postponeOutput`).
    func holdHead(_ head: [UInt8]) { held = head }

    func bodyWrite(_ piece: ByteView) {
        if piece.isEmpty { return }
        if let g = gzip { releaseHeld(); return g.write(piece) }
        if chunked {
            chunk.removeAll(keepingCapacity: true)
            ChunkedEncoder.appendChunk(piece, to: &chunk)
            chunk.withByteView { out($0) }
        } else {
            out(piece)
        }
    }

    private func out(_ bytes: ByteView) {
        guard held != nil else { sink.send(bytes); return }
        held!.append(contentsOf: bytes)
        if held!.count >= Self.postponeOutput { releaseHeld() }
    }

    private func releaseHeld() {
        guard let h = held else { return }
        held = nil
        sink.send(h)
    }

    func bodyEnd() {
        releaseHeld()
        if let g = gzip { g.finish() } else if chunked { sink.send(ChunkedEncoder.lastChunk) }
        sink.responseComplete()
    }

    var bodyCanAcceptOutput: Bool { sink.canAcceptOutput }
}

/// How a filtered response is framed for the client: chunked for HTTP/1.1 (unless `chunked_transfer_encoding
/// off`), else close-delimited, which ends keep-alive. A subrequest's body goes unframed into its splice.
enum FilteredFraming {
    static func chunked(_ r: Request, _ c: ClientConnection) -> Bool {
        if r.isSubrequest { return false }
        let chunked = r.head.version >= .http1_1 && r.location.shaping.chunkedTransferEncoding
        if !chunked { c.keepAliveAfterResponse = false }
        return chunked
    }
}

/// Content filters on a static file: the head without length, ranges and (unless kept) validators, then the file
/// read in pieces through the filters (FileSender's `filter` path, with the client's backpressure).
enum FilteredFileResponse {
    static func serve(_ r: Request, _ c: ClientConnection, _ f: BodyFilters, fd: Int32, layout: FileBodyLayout,
                      size: Int64, status: Int,
                      type: [UInt8], etag: [UInt8], lastModified: [UInt8], method: HTTPMethod, vary: Bool) {
        r.status = status
        let chunked = FilteredFraming.chunked(r, c)
        let decision = r.isSubrequest ? nil : r.location.gzip.map {
            GzipStage.decideForFile($0, request: r, status: status, contentType: type, length: size, etag: etag)
        }
        let compressing = decision?.compress == true
        var w = HeadWriter(reusing: &r.responseHead, minimumCapacity: 512)
        w.appendStatusLine(status)
        ResponseHeadBuilder.appendServer(r, c, &w)
        ResponseHeadBuilder.appendDate(c, &w)
        StaticFiles.appendFileFields(r.location, status: status, length: nil, type: type, etag: etag,
                                     lastModified: lastModified, range: nil, gzip: decision, compressing: compressing,
                                     chunked: chunked, coding: StaticCoding(vary: vary), into: &w)
        if chunked && !compressing { w.append("Transfer-Encoding: chunked\r\n") }
        ResponseHeadBuilder.appendCommonTail(r, status: status, connection: c, into: &w)
        r.responseHead = f.editHead(w.finish())
        if method == .head || size == 0 {
            Syscall.close(fd)
            r.sink.send(r.responseHead)
            if size == 0 && method != .head && chunked {   // an empty body still ends
                r.sink.send(ChunkedEncoder.lastChunk)
            }
            return r.sink.responseComplete()
        }
        let gzip = compressing ? decision.flatMap { GzipStream(decision: $0, request: r, chunked: chunked) } : nil
        let writer = BodyWriter(request: r, gzip: gzip, chunked: chunked)
        let filter = f.start(r, output: writer)
        let sender = FileSender(request: r, fd: fd, layout: layout, start: 0, count: size)
        sender.filter = (filter, writer)
        r.sink.cork()
        // SSI's includes can fail the page (BodyWriter.postponeOutput); other filters stream as they come.
        if f.ssi != nil { writer.holdHead(r.responseHead) } else { r.sink.send(r.responseHead) }
        r.sink.fileSender = sender
        sender.resume()
        r.sink.uncork()
    }
}

/// Content filters on a response switchyard makes (`return` with text, an error page): the head without a length,
/// the body through the filters. Not for a HEAD, a 204/304 or an empty body (nginx's filters leave those alone).
enum FilteredMadeResponse {
    static func applies(_ r: Request, status: Int, contentType: [UInt8], body: [UInt8]) -> BodyFilters? {
        guard let loc = r.location, loc.filtersBody, !body.isEmpty, status != 204, status != 304,
              r.head?.method != .head else { return nil }
        return BodyFilters.select(r, status: status, contentType: contentType[...])
    }

    static func send(_ f: BodyFilters, status: Int, contentType: [UInt8], body: [UInt8], extra: [([UInt8], [UInt8])],
                     on c: ClientConnection) {
        let r = c.request
        r.status = status
        let chunked = FilteredFraming.chunked(r, c)
        var w = HeadWriter(reusing: &r.responseHead, minimumCapacity: 256)
        w.appendStatusLine(status)
        ResponseHeadBuilder.appendServer(r, c, &w)
        ResponseHeadBuilder.appendDate(c, &w)
        if !contentType.isEmpty { w.appendHeader("Content-Type", contentType) }
        if chunked { w.append("Transfer-Encoding: chunked\r\n") }
        for (name, value) in extra { w.appendHeader(name, value) }
        if let pending = r.pendingLocation, extra.isEmpty {
            w.appendHeader("Location", Responses.absoluteLocation(pending, r, c))
        }
        ResponseHeadBuilder.appendCommonTail(r, status: status, connection: c, into: &w)
        r.responseHead = w.finish()   // made without length or validators
        let writer = BodyWriter(request: r, gzip: nil, chunked: chunked)
        let filter = f.start(r, output: writer)
        let sink = r.sink
        sink.cork()
        sink.send(r.responseHead)
        body.withByteView { filter.bodyWrite($0) }
        filter.bodyEnd()
        sink.uncork()
    }
}
