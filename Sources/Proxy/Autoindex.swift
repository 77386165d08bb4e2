import ASCIIBytes
import Config
import EventLoop
import Glibc
import Gzip
import HTTP1

/// A location's `autoindex` settings at run time; a location without `autoindex on` has none.
struct AutoindexRuntime {
    let format: AutoindexFormat
    let localtime: Bool
    let exactSize: Bool
}

/// nginx's ngx_http_autoindex_module: a GET or HEAD for a directory (`/…/`) that `index` found no index file in
/// is answered with a listing of it. The directory is read and each entry stat'ed (links followed, a broken
/// link listed as itself), the page made by AutoindexListing, and sent with no length: chunked for HTTP/1.1,
/// close-delimited for 1.0, through the body filters (sub_filter, SSI) and gzip where the location has them.
enum Autoindex {
    /// `directory` is the request's path on disk, ending in `/`.
    static func serve(_ r: Request, _ ai: AutoindexRuntime, directory: [UInt8], on c: ClientConnection) {
        if c.unreadBody != .none, !r.isSubrequest, !c.discardBodyBeforeResponse(status: 200) { return }
        var format = ai.format
        var callback: [UInt8]? = nil
        if format == .jsonp {
            let name = QueryArgs.value(named: "callback".utf8, in: r.args) ?? []
            guard AutoindexListing.validCallback(name) else {
                let text = String(decoding: name, as: UTF8.self)
                c.worker.log(.info, name.count > 128 ? "client sent too long callback name: \"\(text)\""
                                                     : "client sent invalid callback name: \"\(text)\"", c)
                return c.sendError(400, closeAfter: false)
            }
            if name.isEmpty { format = .json } else { callback = Array(name) }
        }
        // nginx opens the directory by its path without the trailing slash.
        let path = directory.count > 1 ? Array(directory.dropLast()) : directory
        let names: [[UInt8]]
        switch Syscall.directoryNames(in: path) {
        case .success(let n):
            names = n
        case .failure(let f) where f.call == .open:
            let status = switch f.code { case ENOENT, ENOTDIR, ENAMETOOLONG: 404; case EACCES: 403; default: 500 }
            StaticFiles.logFailed("opendir", path, f.code, status == 500 ? .crit : .error, on: c)
            return c.sendError(status, closeAfter: false)
        case .failure(let f):
            StaticFiles.logFailed("readdir", path, f.code, .crit, on: c)
            return c.sendError(500, closeAfter: false)
        }
        let type = contentType(format, r.location)
        // A HEAD gets the head once the directory opened: nginx reads no entry for it.
        if r.head.method == .head && !r.methodIsGET { return send(r, c, type: type, body: nil) }
        guard let entries = stat(names, in: directory, on: c) else { return c.sendError(500, closeAfter: false) }
        let listing = AutoindexListing(entries)
        let body: [UInt8]
        switch format {
        case .html:
            let utf8 = r.location.charset.map { ASCII.equalsIgnoringCase($0.name, "utf-8".utf8) } ?? false
            body = listing.html(uri: r.uri, utf8: utf8, exactSize: ai.exactSize,
                                utcOffsetMinutes: ai.localtime ? localOffsetMinutes() : 0)
        case .json, .jsonp:
            body = listing.json(callback: callback)
        case .xml:
            body = listing.xml()
        }
        send(r, c, type: type, body: body)
    }

    /// Each name's `stat` (links followed); where the link leads nowhere, the link's own `lstat`. An entry that
    /// may not be stat'ed is left out; any other failure fails the listing (nil), each logged as nginx does.
    private static func stat(_ names: [[UInt8]], in directory: [UInt8], on c: ClientConnection) -> [AutoindexListing.Entry]? {
        var entries: [AutoindexListing.Entry] = []
        entries.reserveCapacity(names.count)
        var file = directory
        for name in names {
            file.removeSubrange(directory.count...)
            file.append(contentsOf: name)
            var info = Syscall.stat(file)
            if info == nil {
                let e = errno
                if e != ENOENT && e != ELOOP {
                    StaticFiles.logFailed("stat", file, e, .crit, on: c)
                    if e == EACCES { continue }
                    return nil
                }
                info = Syscall.lstat(file)
                if info == nil {
                    StaticFiles.logFailed("lstat", file, errno, .crit, on: c)
                    return nil
                }
            }
            let i = info!
            entries.append(AutoindexListing.Entry(name: name, isDirectory: i.isDirectory, isFile: i.isRegular,
                                                  mtime: Int64(i.mtime), size: i.size))
        }
        return entries
    }

    /// nginx's types for the formats; the `charset` filter marks them as any response (xml names utf-8 itself).
    static func contentType(_ format: AutoindexFormat, _ loc: LocationRuntime) -> [UInt8] {
        var type: [UInt8]
        switch format {
        case .html: type = Array("text/html".utf8)
        case .json: type = Array("application/json".utf8)
        case .jsonp: type = Array("application/javascript".utf8)
        case .xml: type = Array("text/xml; charset=utf-8".utf8)
        }
        loc.charset?.append(to: &type)
        return type
    }

    /// The local time zone's offset now, as nginx's `autoindex_localtime` adds it to every entry's mtime.
    private static func localOffsetMinutes() -> Int {
        var t = time(nil), tmv = tm()
        localtime_r(&t, &tmv)
        return tmv.tm_gmtoff / 60
    }

    /// The head (no length: nginx sends the listing chunked, or close-delimited to HTTP/1.0), then the body
    /// through the body filters (sub_filter, SSI) and gzip where they apply; no body: a HEAD's head alone. An
    /// error page's listing keeps the error's status, as in nginx.
    private static func send(_ r: Request, _ c: ClientConnection, type: [UInt8], body: [UInt8]?) {
        let status = r.errorStatus != 0 ? r.errorStatus : 200
        let headOnly = body == nil
        r.status = status
        let chunked = headOnly ? false : FilteredFraming.chunked(r, c)
        let filters = headOnly || !r.location.filtersBody ? nil : BodyFilters.select(r, status: status, contentType: type[...])
        let decision = r.isSubrequest ? nil : r.location.gzip.map {
            GzipStage.decideForMade($0, request: r, status: status, contentType: type)
        }
        let compressing = decision?.compress == true
        var w = HeadWriter(reusing: &r.responseHead, minimumCapacity: 512)
        w.appendStatusLine(status)
        ResponseHeadBuilder.appendServer(r, c, &w)
        ResponseHeadBuilder.appendDate(c, &w)
        w.appendHeader("Content-Type", type)
        if chunked { w.append("Transfer-Encoding: chunked\r\n") }
        if compressing { w.append("Content-Encoding: gzip\r\n") }
        if decision?.addVary == true { w.append("Vary: Accept-Encoding\r\n") }
        ResponseHeadBuilder.appendCommonTail(r, status: status, connection: c, into: &w)
        r.responseHead = w.finish()
        let sink = r.sink
        guard let body else {
            sink.send(r.responseHead)
            return sink.responseComplete()
        }
        let gzip = compressing ? decision.flatMap { GzipStream(decision: $0, request: r, chunked: chunked) } : nil
        let writer = BodyWriter(request: r, gzip: gzip, chunked: chunked)
        sink.cork()
        sink.send(r.responseHead)
        if let f = filters {
            let filter = f.start(r, output: writer)
            body.withByteView { filter.bodyWrite($0) }
            filter.bodyEnd()
        } else {
            body.withByteView { writer.bodyWrite($0) }
            writer.bodyEnd()
        }
        sink.uncork()
    }
}
