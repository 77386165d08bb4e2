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
    static func serve(_ r: Request, files: StaticRuntime, on c: ClientConnection) {
        // An error_page's answer carries the error's status (nginx's err_status) and is asked for with GET.
        let status = r.errorStatus != 0 ? r.errorStatus : 200
        let method = r.methodIsGET ? HTTPMethod.get : r.head.method
        if r.uri.last == UInt8(ascii: "/") && (method == .get || method == .head || method == .post) {
            // random_index first, as nginx's content phase asks it before the index module.
            if r.location.files.randomIndex && RandomIndex.serve(r, files: files, on: c) { return }
            return index(r, files: files, on: c)
        }
        // nginx's static handler takes POST as far as the file: a missing one is a 404, a directory redirects,
        // and only a file that is there refuses the method (below).
        guard method == .get || method == .head || method == .post else {
            // WebDAV's methods, where `dav_methods` names them (nil elsewhere: read only for a method refused).
            if let dav = r.location.dav, dav.handles(method) { return DAVHandler.serve(r, dav, files: files, on: c) }
            return refuseMethod(status, c)
        }
        let loc: LocationRuntime = r.location   // read once: each read of the request's field is a retain
        // gzip_static first (GET and HEAD), as nginx's content phase asks it before the static module; nil where
        // it is off.
        if method != .post, let gs = loc.gzipStatic,
           GzipStaticFiles.serve(r, gs, files, status: status, method: method, on: c) {
            return
        }
        let path = files.path(for: r)
        // The common case, a whole small file to a GET without conditions or gzip: read through the descriptor
        // the worker kept from the last time while the path still leads to that file (OpenFileMemo).
        let plainGET = status == 200 && method == .get && loc.gzip == nil && !loc.filtersBody
            && !ConditionalFields.present(in: r.head) && r.carriedContentType == nil && !loc.shaping.hasTrailers
        // The memo is keyed by path alone: a location that checks links opens the file each time.
        if plainGET, loc.files.symlinks == nil, let kept = c.worker.openFiles.lookup(path, maxSize: smallFile) {
            return sendWholeSmall(r, c, loc, path: path, fd: kept.fd, info: kept.info, keep: .kept)
        }
        guard let opened = openRegular(r, path, on: c) else { return }
        let (fd, info) = opened
        if method == .post { Syscall.close(fd); return refuseMethod(status, c) }
        if plainGET && info.size <= smallFile {
            return sendWholeSmall(r, c, loc, path: path, fd: fd, info: info, keep: loc.files.symlinks == nil ? .offer : .close)
        }
        sendFile(r, c, fd: fd, info: info, path: path, status: status, method: method, coding: .plain)
    }

    /// A whole small file's 200 to a plain GET: its fields come from the worker's memo (the same text while the
    /// file's size and mtime stay), its body from one read.
    @inline(__always)
    private static func sendWholeSmall(_ r: Request, _ c: ClientConnection, _ loc: LocationRuntime, path: [UInt8],
                                       fd: Int32, info: Syscall.FileStatus, keep: FileKeeping) {
        r.status = 200
        var w = HeadWriter(reusing: &r.responseHead, minimumCapacity: 512 + Int(info.size))
        w.appendStatusLine(200)
        ResponseHeadBuilder.appendServer(r, c, &w)
        ResponseHeadBuilder.appendDate(c, &w)
        w.append(c.worker.staticMemo.wholeFileFields(path, info, loc))
        ResponseHeadBuilder.appendCommonTail(r, status: 200, connection: c, into: &w)
        sendBody(r, c, fd: fd, offset: 0, length: info.size, after: w, keep: keep, path: path, info: info)
    }

    /// What becomes of a file's descriptor once its body was read: closed; offered to the worker's
    /// OpenFileMemo (which keeps or closes it); or left open, being the memo's.
    enum FileKeeping { case close, offer, kept }

    /// open, then fstat: the syscalls nginx makes (a stat of the path first would be one more). nil when the
    /// request was answered instead: the open's error, a directory's redirect, 404 for what is not a regular file.
    /// Inlined: called apart, returning the status through an optional tuple cost every file 60 instructions.
    @inline(__always)
    static func openRegular(_ r: Request, _ path: [UInt8], on c: ClientConnection) -> (Int32, Syscall.FileStatus)? {
        let fd = r.openToServe(path)
        if fd < 0 { openFailed(r, path, errno, on: c); return nil }
        guard let info = Syscall.fstat(fd) else {
            let e = errno
            Syscall.close(fd)
            logFailed("fstat", path, e, .crit, on: c)
            c.sendError(500, closeAfter: false)
            return nil
        }
        if info.isDirectory {
            Syscall.close(fd)
            redirectDirectory(r, on: c)
            return nil
        }
        if !info.isRegular {   // a FIFO or a device: nginx's "is not a regular file", 404
            Syscall.close(fd)
            notRegular(path, on: c)
            return nil
        }
        return (fd, info)
    }

    /// nginx's line for a file call that failed: `open() "/srv/a.css" failed (13: Permission denied)`.
    static func logFailed(_ call: String, _ path: [UInt8], _ e: Int32, _ level: LogLevel, on c: ClientConnection) {
        c.worker.log(level, "\(call)() \"\(String(decoding: path, as: UTF8.self))\" failed (\(e): \(Syscall.describe(e)))", c)
    }

    static func notRegular(_ path: [UInt8], on c: ClientConnection) {
        c.worker.log(.crit, "\"\(String(decoding: path, as: UTF8.self))\" is not a regular file", c)
        c.sendError(404, closeAfter: false)
    }

    /// The open file's response past the small-file shortcut: validators, the not_modified and range filters, SSI,
    /// gzip, then one of the three ways to send. `path` names the file for its Content-Type (for a `.gz` of
    /// gzip_static, the file it stands for); `coding` is what gzip_static made of the response. `layout` makes the
    /// body from the file when it is not the file as it is (flv's `start=`): validators, ranges and lengths then
    /// count the body's bytes.
    static func sendFile(_ r: Request, _ c: ClientConnection, fd: Int32, info: Syscall.FileStatus, path: [UInt8],
                         status: Int, method: HTTPMethod, coding: StaticCoding, layout: FileBodyLayout = FileBodyLayout()) {
        let filters = r.location.filters
        let size = layout.length(fileSize: info.size)
        var etag: [UInt8] = []
        if filters.etag {
            etag.reserveCapacity(24)
            etag.append(UInt8(ascii: "\""))
            Bytes.appendHex(info.mtime, to: &etag); etag.append(UInt8(ascii: "-")); Bytes.appendHex(Int(size), to: &etag)
            etag.append(UInt8(ascii: "\""))
        }
        let lastModified = c.worker.staticMemo.lastModified(info.mtime)
        // The content filters (SSI) come after the not_modified filter and before ranges (which then do not apply),
        // as in nginx. A `.gz` body is not filtered, but for gunzip: inflated for a client that does not take
        // gzip (then the others see its text), with a Vary either way.
        var coding = coding
        var bodyFilters: BodyFilters? = nil
        if coding.precompressed, let g = r.location.gunzip {
            coding.vary = coding.vary || g.vary
            if g.inflates(r) {
                bodyFilters = BodyFilters.select(r, status: status, contentType: c.worker.staticMemo.contentType(path, r.location, request: r)[...],
                                                 gunzip: true)
            }
        } else if r.location.filtersBody && !coding.precompressed {
            bodyFilters = BodyFilters.select(r, status: status, contentType: c.worker.staticMemo.contentType(path, r.location, request: r)[...])
        }
        // The charset filter alone with an 8-bit map keeps the length: ranges are served, their bytes recoded, as in
        // nginx (its range filter cuts before the charset filter recodes). A body gzip compresses takes the filter
        // path (nginx's gzip drops the length first, and with it the ranges).
        var recode = bodyFilters?.sameLengthRecode
        if recode != nil, !r.isSubrequest, let g = r.location.gzip,
           GzipStage.decideForFile(g, request: r, status: status, contentType: c.worker.staticMemo.contentType(path, r.location, request: r),
                                   length: size, etag: etag).compress {
            recode = nil
        }
        if recode != nil { bodyFilters = nil }

        // nginx's not_modified and range filters, for a 200 only (an error page's file is sent as it is).
        var start: Int64 = 0, length = size, range: (Int64, Int64)? = nil, code = status
        var multipart: MultipartRanges? = nil
        if status == 200, ConditionalFields.present(in: r.head) {
            let fields = ConditionalFields(r.head)
            switch conditional(fields, filters, etag: etag, mtime: Int64(info.mtime)) {
            case .notModified:
                Syscall.close(fd)
                // nginx's not_modified filter drops Content-Encoding; the Vary stays.
                return sendHead(r, c, status: 304, length: nil, type: [], etag: etag, lastModified: lastModified,
                                range: nil, gzip: nil, then: nil, coding: StaticCoding(vary: coding.vary))
            case .preconditionFailed:
                Syscall.close(fd)
                return c.sendError(412, closeAfter: false)
            case .send: break
            }
            // Filtered output has no ranges (nginx's filters drop them), nor has gzip_static's `.gz` in nginx.
            if bodyFilters == nil && !coding.precompressed {
                switch ranges(fields, filters, etag: etag, mtime: headerMtime(r, filters, Int64(info.mtime)),
                              size: size) {
                case .whole: break
                case .unsatisfiable:
                    Syscall.close(fd)
                    return sendRangeNotSatisfiable(size: size, on: c)
                case .partial(let spans):
                    code = 206
                    if spans.count == 1 {
                        start = spans[0].start; length = spans[0].count; range = (spans[0].start, spans[0].end - 1)
                    } else {
                        let parts = MultipartRanges(spans: spans, length: size, contentType: contentType(path, r.location, request: r)[...],
                                                    boundary: Self.boundary(c))
                        multipart = parts
                        length = parts.contentLength
                    }
                }
            }
        }
        if let f = bodyFilters {
            return FilteredFileResponse.serve(r, c, f, fd: fd, layout: layout, size: size, status: code,
                                         type: c.worker.staticMemo.contentType(path, r.location, request: r), etag: etag,
                                         lastModified: lastModified, method: method, vary: coding.vary)
        }
        var type = multipart?.contentType ?? r.carriedContentType ?? c.worker.staticMemo.contentType(path, r.location, request: r)
        // A `.gz` whose text would need recoding is sent as it is, without the charset (nginx's filter leaves a
        // body with a Content-Encoding alone).
        if coding.precompressed, let cs = r.location.charset, cs.ownRecode(type, encoded: false, request: r) != nil {
            type = ResponseCharset.unmarked(type)
        }
        let gzip = r.isSubrequest ? nil : r.location.gzip.map {   // a subrequest's body is not compressed
            GzipStage.decideForFile($0, request: r, status: code, contentType: type, length: size, etag: etag,
                                    encoded: coding.precompressed)
        }
        if method == .head {
            // The head a GET would get: compressed means Content-Encoding and no length (nor chunked, as nginx).
            Syscall.close(fd)
            let compressed = gzip?.compress == true
            return sendHead(r, c, status: code, length: compressed ? nil : length, type: type, etag: etag,
                            lastModified: lastModified, range: range.map { ($0.0, $0.1, size) }, gzip: gzip,
                            then: nil, compressedHead: compressed, coding: coding)
        }
        // add_trailer: the body goes as one chunk, the trailers after it (nginx's chunked filter); not for a HEAD.
        let trailers = multipart == nil && gzip?.compress != true && Trailers.expected(r, status: code)
        if multipart == nil && gzip?.compress != true && length <= smallFile && !trailers {
            return sendSmall(r, c, fd: fd, status: code, body: layout.split(start: start, count: length), type: type, etag: etag,
                             lastModified: lastModified, range: range.map { ($0.0, $0.1, size) }, gzip: gzip,
                             coding: coding, recode: recode)
        }
        let sender = FileSender(request: r, fd: fd, layout: layout, start: start, count: length)
        sender.recode = recode
        if let m = multipart { sender.sendParts(m) }
        if let d = gzip, d.compress {
            // The compressed length is unknown until the end: chunked for HTTP/1.1, close-delimited for 1.0.
            let chunked = r.head.version >= .http1_1 && r.location.shaping.chunkedTransferEncoding
            if !chunked { c.keepAliveAfterResponse = false }
            sender.gzip = GzipStream(decision: d, request: r, chunked: chunked)
            sender.chunked = chunked
        }
        if trailers { sender.chunked = true }
        sendHead(r, c, status: code, length: sender.gzip == nil && !trailers ? length : nil, type: type, etag: etag,
                 lastModified: lastModified, range: range.map { ($0.0, $0.1, size) }, gzip: gzip, then: sender,
                 coding: coding)
    }

    /// A method static files do not serve: 405, or the status of the error whose page this is.
    private static func refuseMethod(_ status: Int, _ c: ClientConnection) {
        c.sendError(status == 200 ? 405 : status, closeAfter: false)
    }

    /// The open failed: `stat` tells what the path is, as it did when it was asked first. A directory nobody may
    /// read still redirects; otherwise the error decides, as in nginx's static handler: missing is 404 (logged
    /// with `log_not_found`), forbidden 403, and anything else (out of descriptors, an I/O error) is this
    /// server's failure, a 500 with `[crit]`: a file that is there is never answered as missing.
    private static func openFailed(_ r: Request, _ path: [UInt8], _ openErrno: Int32, on c: ClientConnection) {
        let e: Int32
        if let info = r.statFile(path) {
            if info.isDirectory { return redirectDirectory(r, on: c) }
            e = openErrno
        } else {
            e = errno   // the real reason (ENOENT, ENOTDIR, EACCES, ELOOP for a refused link), not an invented one
        }
        switch e {
        case ENOENT, ENOTDIR, ENAMETOOLONG:
            if r.location.files.logNotFound { logFailed("open", path, e, .error, on: c) }
            c.sendError(404, closeAfter: false)
        case EACCES, ELOOP:   // ELOOP: a link disable_symlinks refuses
            logFailed("open", path, e, .error, on: c)
            c.sendError(403, closeAfter: false)
        default:
            logFailed("open", path, e, .crit, on: c)
            c.sendError(500, closeAfter: false)
        }
    }

    /// nginx's directory redirect: the URI with a slash, the arguments kept.
    private static func redirectDirectory(_ r: Request, on c: ClientConnection) {
        Responses.redirect(301, location: FileLookup.slashRedirect(uri: r.uri, args: r.hasArgs ? r.args : nil), on: c)
    }

    /// Bodies up to this size are read into the head's buffer and leave with it in one write (nginx, without
    /// sendfile, reads a file into its output buffer and writes head and body with one writev).
    static let smallFile: Int64 = 16 * 1024

    /// A small file's head and body in one buffer, one write; the descriptor is closed here.
    private static func sendSmall(_ r: Request, _ c: ClientConnection, fd: Int32, status: Int,
                                  body: (prefix: ArraySlice<UInt8>, fileOffset: Int64, fileCount: Int64),
                                  type: [UInt8], etag: [UInt8], lastModified: [UInt8],
                                  range: (Int64, Int64, Int64)?, gzip: GzipDecision?, coding: StaticCoding,
                                  recode: [UInt8]? = nil) {
        r.status = status
        let length = Int64(body.prefix.count) + body.fileCount
        var w = HeadWriter(reusing: &r.responseHead, minimumCapacity: 512 + Int(length))
        writeHead(r, c, status: status, length: length, type: type, etag: etag, lastModified: lastModified,
                  range: range, gzip: gzip, compressing: false, chunked: false, coding: coding, into: &w)
        sendBody(r, c, fd: fd, offset: body.fileOffset, length: body.fileCount, after: w, prefix: body.prefix,
                 keep: .close, path: [], info: nil, recode: recode)
    }

    /// `prefix` and then `length` bytes of `fd` from `offset` appended to the head in `w`, sent in one write; `fd` is
    /// closed, kept or left as `keep` says (`path` and `info` name the file for the memo) before anything is sent.
    private static func sendBody(_ r: Request, _ c: ClientConnection, fd: Int32, offset: Int64, length: Int64,
                                 after w: consuming HeadWriter, prefix: ArraySlice<UInt8> = [], keep: FileKeeping,
                                 path: [UInt8], info: Syscall.FileStatus?, recode: [UInt8]? = nil) {
        let headCount = w.count
        if !prefix.isEmpty { w.append(contentsOf: prefix) }
        var read = IOResult.done(0)
        w.appendFilling(upTo: Int(length)) { room in
            read = Syscall.pread(fd, into: room, at: offset)
            if case .done(let n) = read { return n }
            return 0
        }
        let whole: Bool
        if case .done(let n) = read, n == Int(length) { whole = true } else { whole = false }
        switch keep {
        case .close: Syscall.close(fd)
        case .offer: if whole, let info { c.worker.openFiles.offer(path, fd: fd, info: info) } else { Syscall.close(fd) }
        case .kept: if !whole { c.worker.openFiles.forget(fd) }
        }
        guard whole else {
            w.truncate(to: headCount)
            r.responseHead = w.finish()
            switch read {
            case .error(let e): c.worker.log(.crit, "pread() failed (\(e): \(Syscall.describe(e)))", c)
            default: c.worker.log(.error, "file was truncated while sending", c)
            }
            c.close()
            return
        }
        if let t = recode {
            w.withBytes { bytes in for i in headCount..<bytes.count { bytes[i] = t[Int(bytes[i])] } }
        }
        Responses.sendWhole(w, headCount: headCount, r)
    }

    /// nginx's index module for a URI ending in `/`: the first index file that exists is served through an
    /// internal redirect to its URI (so another location may serve it); an index starting with `/` redirects
    /// there at once. None: 404 when the directory is missing, else 403.
    private static func index(_ r: Request, files: StaticRuntime, on c: ClientConnection) {
        let directory = files.path(for: r)
        for t in files.index {
            let name = r.evaluate(t)
            if name.first == UInt8(ascii: "/") {
                return InternalRedirect.toURI(name, args: r.hasArgs ? r.args : nil, r, c)
            }
            let candidate = directory + name
            if r.statFile(candidate) != nil {
                return InternalRedirect.toURI(r.uri + name, args: r.hasArgs ? r.args : nil, r, c)
            }
            let e = errno
            if e == ENOENT { continue }
            return indexError(r, c, candidate, e)
        }
        guard r.statFile(directory)?.isDirectory == true else { return indexError(r, c, directory, errno) }
        // No index file: autoindex lists the directory (GET and HEAD), as nginx's content phase asks it next.
        if let ai = r.location.files.autoindex, r.methodIsGET || r.head.method == .get || r.head.method == .head {
            return Autoindex.serve(r, ai, directory: directory, on: c)
        }
        c.worker.log(.error, "directory index of \"\(String(decoding: directory, as: UTF8.self))\" is forbidden", c)
        c.sendError(403, closeAfter: false)
    }

    private static func indexError(_ r: Request, _ c: ClientConnection, _ path: [UInt8], _ e: Int32) {
        let text = String(decoding: path, as: UTF8.self)
        if e == EACCES || e == ELOOP {   // ELOOP: a link disable_symlinks refuses
            c.worker.log(.error, "\"\(text)\" is forbidden (\(e): \(Syscall.describe(e)))", c)
            return c.sendError(403, closeAfter: false)
        }
        if !(e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG) {   // an I/O error: nginx's crit and 500, not a 404
            logFailed("stat", path, e, .crit, on: c)
            return c.sendError(500, closeAfter: false)
        }
        if r.location.files.logNotFound {
            c.worker.log(.error, "\"\(text)\" is not found (\(e): \(Syscall.describe(e)))", c)
        }
        c.sendError(404, closeAfter: false)
    }

    private static func sendHead(_ r: Request, _ c: ClientConnection, status: Int, length: Int64?, type: [UInt8],
                                 etag: [UInt8], lastModified: [UInt8], range: (Int64, Int64, Int64)?,
                                 gzip: GzipDecision?, then sender: FileSender?, compressedHead: Bool = false,
                                 coding: StaticCoding) {
        r.status = status
        var w = HeadWriter(reusing: &r.responseHead, minimumCapacity: 512)
        let oneChunk = sender.map { $0.gzip == nil && $0.chunked } ?? false
        writeHead(r, c, status: status, length: length, type: type, etag: etag, lastModified: lastModified,
                  range: range, gzip: gzip, compressing: sender?.gzip != nil || compressedHead,
                  chunked: sender?.chunked == true, coding: coding, oneChunk: oneChunk, into: &w)
        r.responseHead = w.finish()
        r.sink.send(r.responseHead)
        if oneChunk, let sender, sender.remaining > 0 {   // the whole body is one chunk: its size line now
            var line: [UInt8] = []
            ChunkedEncoder.appendChunkHeader(Int(sender.remaining), to: &line)
            r.sink.send(line)
            sender.chunkOpen = true
        }
        if let sender {
            r.sink.fileSender = sender
            sender.resume()
        } else {
            r.sink.responseComplete()
        }
    }

    /// The head of a file's response, literals copied straight into the request's kept head buffer.
    private static func writeHead(_ r: Request, _ c: ClientConnection, status: Int, length: Int64?, type: [UInt8],
                                  etag: [UInt8], lastModified: [UInt8], range: (Int64, Int64, Int64)?,
                                  gzip: GzipDecision?, compressing: Bool, chunked: Bool, coding: StaticCoding,
                                  oneChunk: Bool = false, into w: inout HeadWriter) {
        w.appendStatusLine(status)
        ResponseHeadBuilder.appendServer(r, c, &w)
        ResponseHeadBuilder.appendDate(c, &w)
        appendFileFields(r.location, status: status, length: length, type: type, etag: etag, lastModified: lastModified,
                         range: range, gzip: gzip, compressing: compressing, chunked: chunked, coding: coding, into: &w)
        if oneChunk { w.append("Transfer-Encoding: chunked\r\n") }   // add_trailer's plain body
        ResponseHeadBuilder.appendCommonTail(r, status: status, connection: c, into: &w)
    }

    /// The fields that describe the file: from Content-Type to Accept-Ranges. `compressing`: gzip compresses the
    /// body on the way out; `coding.precompressed`: the body is gzip_static's `.gz` as it is on disk.
    static func appendFileFields(_ loc: LocationRuntime, status: Int, length: Int64?, type: [UInt8], etag: [UInt8],
                                 lastModified: [UInt8], range: (Int64, Int64, Int64)?, gzip: GzipDecision?,
                                 compressing: Bool, chunked: Bool, coding: StaticCoding, into w: inout HeadWriter) {
        if !type.isEmpty { w.appendHeader("Content-Type", type) }
        if let length { w.appendHeader("Content-Length", length) }
        // Not on an error page's answer: nginx's header filter keeps Last-Modified on a 200, 206 or 304 only.
        if loc.filters.lastModifiedHeader == nil, status == 200 || status == 206 || status == 304 {   // else add_header's replaces it
            w.appendHeader("Last-Modified", lastModified)
        }
        var tag: [UInt8]? = etag
        if compressing, let edit = gzip?.etag {   // a strong ETag becomes weak on a compressed body
            switch edit {
            case .keep: break
            case .replace(let weak): tag = weak
            case .weaken: tag = Array("W/".utf8) + etag
            case .remove: tag = nil
            }
        }
        if let tag, !tag.isEmpty { w.appendHeader("ETag", tag) }
        if compressing {
            w.append("Content-Encoding: gzip\r\n")
            if chunked { w.append("Transfer-Encoding: chunked\r\n") }
        } else if coding.precompressed {
            w.append("Content-Encoding: gzip\r\n")
        }
        if gzip?.addVary == true || coding.vary { w.append("Vary: Accept-Encoding\r\n") }
        if compressing || coding.precompressed {
            // no Accept-Ranges: byte offsets into a compressed body are not offered (nor by nginx for a `.gz`)
        } else if let (s, e, total) = range {
            w.append("Content-Range: bytes ")
            w.appendDecimal(s); w.append(UInt8(ascii: "-")); w.appendDecimal(e)
            w.append(UInt8(ascii: "/")); w.appendDecimal(total); w.appendCRLF()
        } else if status == 200 && loc.filters.maxRanges > 0 {
            w.append("Accept-Ranges: bytes\r\n")
        }
    }

    /// Content-Type from the extension, with `charset` for text types as nginx's charset_types default.
    static func contentType(_ path: [UInt8], _ loc: LocationRuntime, request r: Request? = nil) -> [UInt8] {
        var type = loc.defaultType
        if let dot = path.lastIndex(of: UInt8(ascii: ".")), !path[dot...].contains(UInt8(ascii: "/")) {
            let ext = ASCII.lowercased(path[(dot + 1)...])
            if let t = loc.mimeTypes.byExtension[ext] { type = t }
        }
        loc.charset?.append(to: &type, request: r)
        return type
    }
}

/// Streams a file region to the client with sendfile(2) as the socket accepts it, or, with `gzip`, reads it in
/// `pieceSize` pieces through the compressor: memory per response is one piece plus the gzip stream's buffer.
final class FileSender {
    unowned let connection: ClientConnection
    /// The request whose body this is, and where it goes (its `sink`: the client, or an SSI splice); both outlive
    /// the sender (unowned(unsafe): a checked read is a retain and a release per piece).
    unowned(unsafe) let request: Request
    unowned(unsafe) let sink: any ResponseSink
    let fd: Int32
    var offset: Int64
    var remaining: Int64
    /// Set when the body is compressed; `chunked` is the client's framing then. Without gzip, `chunked` means
    /// the file goes as one chunk followed by add_trailer's fields.
    var gzip: GzipStream?
    var chunked = false
    /// The one chunk's size line went out: its CRLF follows the body.
    var chunkOpen = false
    /// Set when the body goes through content filters (FilteredResponses.swift): the first filter reads the file,
    /// the writer frames.
    var filter: (first: any BodyFilter, writer: BodyWriter)?
    /// Set when the charset filter recodes the body byte for byte (an 8-bit `charset_map`): the length and ranges
    /// stay, the bytes are read and mapped instead of sent with sendfile.
    var recode: [UInt8]?
    /// nginx reads a file it must filter in `output_buffers` pieces (default 32k).
    static let pieceSize = 32 * 1024
    /// Input compressed per event-loop turn at most, so one big file does not hold up the worker's other clients.
    static let turnBudget = 8 * pieceSize
    private var piece: [UInt8] = []
    /// Keeps a shared descriptor open while sending (a cache entry's `CacheFile`); nil: the sender owns `fd`.
    private let sharedOwner: AnyObject?

    init(request: Request, fd: Int32, offset: Int64, remaining: Int64, sharedOwner: AnyObject? = nil) {
        self.connection = request.connection; self.request = request; self.sink = request.sink
        self.fd = fd; self.offset = offset; self.remaining = remaining
        self.sharedOwner = sharedOwner
    }

    /// The body's bytes `start ..< start + count` as `layout` makes them from the file (FileBodyLayout.swift).
    convenience init(request: Request, fd: Int32, layout: FileBodyLayout, start: Int64, count: Int64) {
        self.init(request: request, fd: fd, offset: 0, remaining: 0)
        self.layout = layout
        aim(start: start, count: count)
    }

    deinit { if sharedOwner == nil { Syscall.close(fd) } }

    /// `multipart/byteranges`: the parts after the current one, and the closing boundary (StaticRanges.swift).
    var nextParts: ArraySlice<(header: [UInt8], span: ByteSpan)> = []
    var closingBoundary: [UInt8] = []
    /// How the body is made from `fd`: where it starts (a cache entry's body follows its header), and bytes that
    /// go before the file's (flv's header). Parts' spans count the body's bytes.
    var layout = FileBodyLayout()
    /// The layout's bytes the current region starts with, not yet sent; the file's part follows.
    private var pendingPrefix: ArraySlice<UInt8> = []

    /// Points the sender at the body's bytes `start ..< start + count`.
    func aim(start: Int64, count: Int64) {
        let part = layout.split(start: start, count: count)
        pendingPrefix = part.prefix
        offset = part.fileOffset
        remaining = part.fileCount
    }

    /// Bytes of the current region are left: the layout's prefix, or the file's.
    private var regionLeft: Bool { remaining > 0 || !pendingPrefix.isEmpty }

    /// Hands the region's prefix bytes to `take` (once); false when `take` asked to wait.
    private func takePrefix(_ take: (ByteView) -> Bool) -> Bool {
        guard !pendingPrefix.isEmpty else { return true }
        let bytes = Array(pendingPrefix)
        pendingPrefix = []
        return bytes.withByteView { take($0) }
    }

    /// Sends more; the connection calls again when the socket is writable.
    func resume() {
        let c = connection
        guard sink.outputIsEmpty else { return }
        if let f = filter { return filterMore(f.first) }
        if let g = gzip { return compressMore(g) }
        if let t = recode { return recodeMore(t) }
        if !sink.takesSendfile { return copyMore() }
        let r = request
        while regionLeft || startNextPart() {
            if !sink.outputIsEmpty { sink.waitWritable(); return }   // a part's header is still queued
            if !pendingPrefix.isEmpty {   // queued as output: sendfile goes after it
                _ = takePrefix { view in sink.send(view) }
                continue
            }
            var count = Int(min(remaining, 1 << 20))
            if r.limitRate > 0 {   // limit_rate: no more than the rate allows, then wait for the timer
                let allowance = c.rateAllowance(r)
                if allowance <= 0 { c.waitForRate(r, deficit: -allowance, want: count); return }
                count = min(count, allowance)
            }
            switch Syscall.sendfile(c.fd, file: fd, offset: &offset, count: count) {
            case .done(let n):
                remaining -= Int64(n)
                r.bytesSent += Int64(n)   // sendfile bypasses the sink's count
                if r.limitRate > 0 { r.rateSent += Int64(n) }
            case .wouldBlock:
                sink.waitWritable(); return
            case .eof:
                c.worker.log(.error, "file was truncated while sending", c); c.close(); return
            case .error(let e):
                c.worker.log(.info, "sendfile() failed (\(e): \(Syscall.describe(e)))", c); c.close(); return
            }
        }
        complete()
    }

    /// The end of a plain body: with add_trailer, the chunk's end and the last chunk with the trailers first.
    private func complete() {
        if chunked && gzip == nil {
            var end: [UInt8] = chunkOpen ? [13, 10] : []
            Trailers.appendLastChunk(request, status: request.status, into: &end)
            sink.send(end)
        }
        sink.responseComplete()
    }

    /// TLS cannot use sendfile: the file is read a piece at a time and sent through the connection (which
    /// applies limit_rate), a bounded amount per turn.
    private func copyMore() {
        let sink = sink
        let done = pumpPieces({ .no }) { piece in
            sink.send(piece) && sink.outputIsEmpty   // else resumed once the output drains
        }
        if done { complete() }
    }

    /// The charset filter's byte-for-byte recoding: each piece mapped and sent, a multipart body's parts in turn
    /// (their headers as they are), a bounded amount per call.
    private func recodeMore(_ table: [UInt8]) {
        let sink = sink
        if piece.isEmpty { piece = [UInt8](repeating: 0, count: Self.pieceSize) }
        var out: [UInt8] = []
        while regionLeft || startNextPart() {
            let done = pumpPieces({ .no }) { view in
                out.removeAll(keepingCapacity: true)
                for b in view { out.append(table[Int(b)]) }
                return sink.send(out) && sink.outputIsEmpty   // else resumed once the output drains
            }
            if !done { return }
        }
        sink.responseComplete()
    }

    /// Reads the file into the content filters while the client takes output, a bounded amount per call; the filters
    /// complete the response once done (SSI: once its includes have, which may already be the case).
    private func filterMore(_ f: any BodyFilter) {
        let sink = sink
        f.continueOutput()   // gunzip's held output first
        let done = pumpPieces({
            if f.holdsTooMuch { f.noteProducerHeld(); return .resumedElsewhere }   // resumed when includes complete
            return sink.canAcceptOutput ? .no : .untilWritable
        }) { piece in f.bodyWrite(piece); return true }
        if done { f.bodyEnd() }
    }

    /// Reads and compresses while the client takes output, a bounded amount per call; a regular file's read does
    /// not wait on the network, and one piece at a time keeps the loop responsive.
    private func compressMore(_ g: GzipStream) {
        let sink = sink
        let done = pumpPieces({ sink.canAcceptOutput ? .no : .untilWritable }) { piece in g.write(piece); return true }
        if done {
            g.finish()   // the trailer and, when chunked, the last chunk
            sink.responseComplete()
        }
    }

    /// Whether `pumpPieces` stops before its next read: not, until the socket is writable (output over its
    /// limit), or because someone else resumes it (the SSI filter, once its includes drain).
    private enum Pause { case no, untilWritable, resumedElsewhere }

    /// The loop the three above share: reads the file a piece at a time (at most `turnBudget` bytes a call) and
    /// hands each piece to `take`, which says whether to go on at once. True when the whole file went; false when
    /// it stopped, with its resumption arranged: `pause` said so, the budget ran out or `take` declined (the
    /// socket's writability resumes it), the client went away, or the file failed (truncated, or a read error:
    /// logged, connection closed).
    private func pumpPieces(_ pause: () -> Pause, _ take: (ByteView) -> Bool) -> Bool {
        let c = connection, sink = sink
        if !pendingPrefix.isEmpty {
            let goOn = takePrefix(take)
            if c.phase == .closing { return false }
            if !goOn { sink.waitWritable(); return false }
        }
        if remaining > 0 && piece.isEmpty { piece = [UInt8](repeating: 0, count: Int(min(remaining, Int64(Self.pieceSize)))) }
        var budget = Self.turnBudget
        while remaining > 0 {
            switch pause() {
            case .resumedElsewhere: return false
            case .untilWritable: sink.waitWritable(); return false
            case .no: break
            }
            if budget <= 0 { sink.waitWritable(); return false }
            let want = Int(min(remaining, Int64(piece.count)))
            switch Syscall.pread(fd, into: &piece, count: want, at: offset) {
            case .done(let n):
                remaining -= Int64(n); offset += Int64(n); budget -= n
                let goOn = piece[..<n].withByteView { take($0) }
                if c.phase == .closing { return false }   // the client went away while we sent
                if !goOn { sink.waitWritable(); return false }
            case .eof:
                c.worker.log(.error, "file was truncated while sending", c); c.close(); return false
            case .wouldBlock:
                sink.waitWritable(); return false
            case .error(let e):
                c.worker.log(.crit, "pread() failed (\(e): \(Syscall.describe(e)))", c); c.close(); return false
            }
        }
        return true
    }
}

extension Request {
    /// Whether the URI's last segment has an extension: `return` then takes the type it maps to (nginx's
    /// ngx_http_set_content_type), else default_type. A short scan of the URI in place.
    var uriHasExtension: Bool {
        var i = uri.count
        while i > 0 {
            i -= 1
            let b = uri[i]
            if b == UInt8(ascii: ".") { return true }
            if b == UInt8(ascii: "/") { return false }
        }
        return false
    }
}
