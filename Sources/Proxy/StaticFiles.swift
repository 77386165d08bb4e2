import Config
import EventLoop
import Glibc
import Gzip
import HTTP1
import ASCIIBytes

/// `root` / `alias` / `index`: files sent with sendfile(2), with nginx's validators (`ETag` "mtime-size" in hex,
/// `Last-Modified`), conditional requests (304) and a single byte range (206/416). With `gzip` the file is read
/// in bounded pieces and compressed on the way out instead (nginx has no sendfile for filtered bodies either).
enum StaticFiles {
    static func serve(_ r: Request, files: StaticRuntime, on c: ClientConnection, status: Int = 200) {
        let method = r.head.method
        guard method == .get || method == .head else {
            if status == 200 { return c.sendError(405, closeAfter: false) }
            return c.sendError(status, closeAfter: false)
        }
        var path = files.root
        if files.isAlias {
            path.append(contentsOf: r.uri.dropFirst(r.location.prefix.count))
        } else {
            path.append(contentsOf: r.uri)
        }
        if path.last == UInt8(ascii: "/") {
            var found = false
            for index in files.index {
                let candidate = path + index
                if Syscall.stat(candidate)?.isRegular == true { path = candidate; found = true; break }
            }
            if !found {
                return c.sendError(Syscall.stat(path) == nil ? 404 : 403, closeAfter: false)
            }
        }
        guard let info = Syscall.stat(path) else {
            let e = errno   // the real reason (ENOENT, ENOTDIR, EACCES…), not an invented one
            c.worker.log(.error, "open() \"\(String(decoding: path, as: UTF8.self))\" failed (\(e): \(Syscall.describe(e)))", c.id)
            return c.sendError(status == 200 ? 404 : status, closeAfter: false)
        }
        if info.isDirectory {
            var location = r.uri; location.append(UInt8(ascii: "/"))
            if r.hasArgs { location.append(UInt8(ascii: "?")); location.append(contentsOf: r.args) }
            return Responses.redirect(301, location: location, on: c)
        }
        let fd = Syscall.openReadOnly(path)
        if fd < 0 { return c.sendError(errno == EACCES ? 403 : 404, closeAfter: false) }

        var etag: [UInt8] = [UInt8(ascii: "\"")]
        Bytes.appendHex(info.mtime, to: &etag); etag.append(UInt8(ascii: "-")); Bytes.appendHex(Int(info.size), to: &etag)
        etag.append(UInt8(ascii: "\""))
        let lastModified = HTTPDate.imfFixdate(Int64(info.mtime))

        if status == 200, notModified(r, etag: etag, mtime: info.mtime) {
            Syscall.close(fd)
            return sendHead(r, c, status: 304, length: nil, type: [], etag: etag, lastModified: lastModified, range: nil,
                            gzip: nil, then: nil)
        }
        var start: Int64 = 0, length = info.size, range: (Int64, Int64)? = nil, code = status
        if status == 200, let spec = r.requestHeader("range") {
            switch ByteRangeSpec.parse(spec, size: info.size) {
            case .satisfiable(let s, let e):
                start = s; length = e - s + 1; range = (s, e); code = 206
            case .unsatisfiable:
                Syscall.close(fd)
                var cr = Array("bytes */".utf8); ASCIIDecimal.append(info.size, to: &cr)
                return Responses.send(status: 416, contentType: Array("text/html".utf8),
                                      body: Responses.errorPage(416, tokens: c.runtime.serverTokens),
                                      extra: [(Array("Content-Range".utf8), cr)], on: c)
            case .ignored:
                break
            }
        }
        let type = contentType(path, r.location)
        let gzip = r.location.gzip.map {
            GzipStage.decideForFile($0, request: r, status: code, contentType: type, length: info.size, etag: etag)
        }
        if method == .head {
            Syscall.close(fd)
            return sendHead(r, c, status: code, length: length, type: type, etag: etag, lastModified: lastModified,
                            range: range.map { ($0.0, $0.1, info.size) }, gzip: gzip, then: nil)
        }
        let sender = FileSender(connection: c, fd: fd, offset: start, remaining: length)
        if let d = gzip, d.compress {
            // The compressed length is unknown until the end: chunked for HTTP/1.1, close-delimited for 1.0.
            let chunked = r.head.version >= .http1_1 && r.location.shaping.chunkedTransferEncoding
            if !chunked { c.keepAliveAfterResponse = false }
            sender.gzip = GzipStream(decision: d, client: c, chunked: chunked)
            sender.chunked = chunked
        }
        sendHead(r, c, status: code, length: sender.gzip == nil ? length : nil, type: type, etag: etag,
                 lastModified: lastModified, range: range.map { ($0.0, $0.1, info.size) }, gzip: gzip, then: sender)
    }

    private static func notModified(_ r: Request, etag: [UInt8], mtime: Int) -> Bool {
        if let inm = r.requestHeader("if-none-match") {
            if inm.elementsEqual([UInt8(ascii: "*")]) { return true }
            for tag in inm.split(separator: UInt8(ascii: ",")) {
                var t = Array(tag.drop { $0 == 32 })
                while t.last == 32 { t.removeLast() }
                if t.starts(with: Array("W/".utf8)) { t.removeFirst(2) }
                if t == etag { return true }
            }
            return false
        }
        if let ims = r.requestHeader("if-modified-since"), let t = HTTPDate.parse(ims) {
            return t == Int64(mtime)   // nginx's default `if_modified_since exact`
        }
        return false
    }

    private static func sendHead(_ r: Request, _ c: ClientConnection, status: Int, length: Int64?, type: [UInt8],
                                 etag: [UInt8], lastModified: [UInt8], range: (Int64, Int64, Int64)?,
                                 gzip: GzipDecision?, then sender: FileSender?) {
        let compressing = sender?.gzip != nil
        r.status = status
        var out: [UInt8] = []
        out.reserveCapacity(320)
        StatusLine.append(status, to: &out)
        ResponseHeadBuilder.appendServer(c, &out)
        ResponseHeadBuilder.appendDate(c, &out)
        if !type.isEmpty {
            out.append(contentsOf: Array("Content-Type: ".utf8)); out.append(contentsOf: type); out.appendCRLF()
        }
        if let length {
            out.append(contentsOf: Array("Content-Length: ".utf8)); ASCIIDecimal.append(length, to: &out)
            out.appendCRLF()
        }
        out.append(contentsOf: Array("Last-Modified: ".utf8)); out.append(contentsOf: lastModified); out.appendCRLF()
        var tag: [UInt8]? = etag
        if compressing, let edit = gzip?.etag {   // a strong ETag becomes weak on a compressed body
            switch edit {
            case .keep: break
            case .replace(let weak): tag = weak
            case .remove: tag = nil
            }
        }
        if let tag { out.append(contentsOf: Array("ETag: ".utf8)); out.append(contentsOf: tag); out.appendCRLF() }
        if compressing {
            out.append(contentsOf: Array("Content-Encoding: gzip\r\n".utf8))
            if sender?.chunked == true { out.append(contentsOf: Array("Transfer-Encoding: chunked\r\n".utf8)) }
        }
        if gzip?.addVary == true { out.append(contentsOf: Array("Vary: Accept-Encoding\r\n".utf8)) }
        if compressing {
            // no Accept-Ranges: byte offsets into a compressed body are not offered
        } else if let (s, e, total) = range {
            out.append(contentsOf: Array("Content-Range: bytes ".utf8))
            ASCIIDecimal.append(s, to: &out); out.append(UInt8(ascii: "-")); ASCIIDecimal.append(e, to: &out)
            out.append(UInt8(ascii: "/")); ASCIIDecimal.append(total, to: &out); out.appendCRLF()
        } else if status == 200 {
            out.append(contentsOf: Array("Accept-Ranges: bytes\r\n".utf8))
        }
        ResponseHeadBuilder.appendCommonTail(r, status: status, connection: c, into: &out)
        r.responseHead = out
        _ = c.send(out)
        if let sender {
            c.fileSender = sender
            sender.resume()
        } else {
            c.responseComplete()
        }
    }

    /// Content-Type from the extension, with `charset` for text types as nginx's charset_types default.
    static func contentType(_ path: [UInt8], _ loc: LocationRuntime) -> [UInt8] {
        var type = loc.defaultType
        if let dot = path.lastIndex(of: UInt8(ascii: ".")), !path[dot...].contains(UInt8(ascii: "/")) {
            let ext = ASCII.lowercased(path[(dot + 1)...])
            if let t = loc.mimeTypes.byExtension[ext] { type = t }
        }
        if let cs = loc.charset, charsetTypes.contains(type) {
            type.append(contentsOf: Array("; charset=".utf8)); type.append(contentsOf: cs)
        }
        return type
    }

    static let charsetTypes: Set<[UInt8]> = Set(["text/html", "text/xml", "text/plain", "text/vnd.wap.wml",
                                                  "application/javascript", "application/rss+xml"].map { Array($0.utf8) })
}

/// Streams a file region to the client with sendfile(2) as the socket accepts it, or, with `gzip`, reads it in
/// `pieceSize` pieces through the compressor: memory per response is one piece plus the gzip stream's buffer.
final class FileSender {
    unowned let connection: ClientConnection
    let fd: Int32
    var offset: Int64
    var remaining: Int64
    /// Set when the body is compressed; `chunked` is the client's framing then.
    var gzip: GzipStream?
    var chunked = false
    /// nginx reads a file it must filter in `output_buffers` pieces (default 32k).
    static let pieceSize = 32 * 1024
    /// Input compressed per event-loop turn at most, so one big file does not hold up the worker's other clients.
    static let turnBudget = 8 * pieceSize
    private var piece: [UInt8] = []
    /// Keeps a shared descriptor open while sending (a cache entry's `CacheFile`); nil: the sender owns `fd`.
    private let sharedOwner: AnyObject?

    init(connection: ClientConnection, fd: Int32, offset: Int64, remaining: Int64, sharedOwner: AnyObject? = nil) {
        self.connection = connection; self.fd = fd; self.offset = offset; self.remaining = remaining
        self.sharedOwner = sharedOwner
    }

    deinit { if sharedOwner == nil { Syscall.close(fd) } }

    /// Sends more; the connection calls again when the socket is writable.
    func resume() {
        let c = connection
        guard c.outputIsEmpty else { return }
        if let g = gzip { return compressMore(g) }
        if !c.transport.canSendFile { return copyMore() }
        let r = c.request
        while remaining > 0 {
            var count = Int(min(remaining, 1 << 20))
            if r.limitRate > 0 {   // limit_rate: no more than the rate allows, then wait for the timer
                let allowance = c.rateAllowance(r)
                if allowance <= 0 { c.waitForRate(r, deficit: -allowance); return }
                count = min(count, allowance)
            }
            switch Syscall.sendfile(c.fd, file: fd, offset: &offset, count: count) {
            case .done(let n):
                remaining -= Int64(n)
                r.bodyBytesSent += Int64(n); r.bytesSent += Int64(n)
                if r.limitRate > 0 { r.rateSent += Int64(n) }
            case .wouldBlock:
                c.waitWritable(); return
            case .eof:
                c.worker.log(.error, "file was truncated while sending", c.id); c.close(); return
            case .error(let e):
                c.worker.log(.info, "sendfile() failed (\(e): \(Syscall.describe(e)))", c.id); c.close(); return
            }
        }
        c.responseComplete()
    }

    /// TLS cannot use sendfile: the file is read a piece at a time and sent through the connection (which
    /// applies limit_rate), a bounded amount per turn.
    private func copyMore() {
        let c = connection
        let r = c.request
        if piece.isEmpty { piece = [UInt8](repeating: 0, count: Int(min(remaining, Int64(Self.pieceSize)))) }
        var budget = Self.turnBudget
        while remaining > 0 {
            if budget <= 0 { c.waitWritable(); return }
            let want = Int(min(remaining, Int64(piece.count)))
            switch Syscall.pread(fd, into: &piece, count: want, at: offset) {
            case .done(let n):
                remaining -= Int64(n); offset += Int64(n); budget -= n
                r.bodyBytesSent += Int64(n)
                let more = piece[..<n].withByteView { c.send($0) }
                if c.phase == .closing { return }
                if !more || !c.outputIsEmpty { c.waitWritable(); return }   // resumed once the output drains
            case .eof:
                c.worker.log(.error, "file was truncated while sending", c.id); c.close(); return
            case .wouldBlock:
                c.waitWritable(); return
            case .error(let e):
                c.worker.log(.crit, "pread() failed (\(e): \(Syscall.describe(e)))", c.id); c.close(); return
            }
        }
        c.responseComplete()
    }

    /// Reads and compresses while the client takes output, a bounded amount per call; a regular file's read does
    /// not wait on the network, and one piece at a time keeps the loop responsive.
    private func compressMore(_ g: GzipStream) {
        let c = connection
        if piece.isEmpty { piece = [UInt8](repeating: 0, count: Int(min(remaining, Int64(Self.pieceSize)))) }
        var budget = Self.turnBudget
        while remaining > 0 {
            // Output over the limit, or this turn's share used: continue when the socket is writable again.
            if !c.canAcceptOutput || budget <= 0 { c.waitWritable(); return }
            let want = Int(min(remaining, Int64(piece.count)))
            let r = Syscall.read(fd, into: &piece, count: want)
            switch r {
            case .done(let n):
                remaining -= Int64(n); offset += Int64(n); budget -= n
                piece[..<n].withByteView { g.write($0) }
                if c.phase == .closing { return }   // the client went away while we sent
            case .eof:
                c.worker.log(.error, "file was truncated while sending", c.id); c.close(); return
            case .wouldBlock:
                c.waitWritable(); return
            case .error(let e):
                c.worker.log(.crit, "read() failed (\(e): \(Syscall.describe(e)))", c.id); c.close(); return
            }
        }
        g.finish()   // the trailer and, when chunked, the last chunk
        c.responseComplete()
    }
}


/// A single `Range: bytes=…` request (several ranges are served whole, as nginx does without multipart).
enum ByteRangeSpec: Equatable {
    case satisfiable(Int64, Int64)
    case unsatisfiable
    case ignored

    static func parse<C: Collection<UInt8>>(_ value: C, size: Int64) -> ByteRangeSpec where C.Index == Int {
        let v = Array(value)
        guard v.starts(with: Array("bytes=".utf8)) else { return .ignored }
        let spec = v[6...]
        if spec.contains(UInt8(ascii: ",")) { return .ignored }
        guard let dash = spec.firstIndex(of: UInt8(ascii: "-")) else { return .ignored }
        let a = spec[spec.startIndex..<dash], b = spec[(dash + 1)...]
        if a.isEmpty {
            guard let n = ASCIIDecimal.parseInt64(b), n > 0 else { return .unsatisfiable }
            if size == 0 { return .unsatisfiable }
            return .satisfiable(max(0, size - n), size - 1)
        }
        guard let s = ASCIIDecimal.parseInt64(a) else { return .ignored }
        if s >= size { return .unsatisfiable }
        if b.isEmpty { return .satisfiable(s, size - 1) }
        guard let e = ASCIIDecimal.parseInt64(b), e >= s else { return .ignored }
        return .satisfiable(s, min(e, size - 1))
    }
}
