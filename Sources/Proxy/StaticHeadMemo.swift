import EventLoop
import HTTP1

/// Per worker: the parts of a static file's response head that follow from the location and the file's name or
/// mtime alone, kept from the previous response while they stay the same. The file itself is still opened and
/// `fstat`ed for every request (nginx without open_file_cache); only text derived from that is reused, so a
/// changed file is never answered with stale metadata or content.
final class StaticHeadMemo {
    private var typeLocation: LocationRuntime?
    private var typeExtension: [UInt8] = []
    private var type: [UInt8] = []
    private var modifiedSeconds = Int.min
    private var modified: [UInt8] = []
    /// The fields of a whole file's 200 (StaticFiles.appendFileFields), for this location, extension, size and mtime.
    private var fieldsLocation: LocationRuntime?
    private var fieldsExtension: [UInt8] = []
    private var fieldsSize: Int64 = -1
    private var fieldsMtime = Int.min
    private var fields: [UInt8] = []

    /// Content-Type to Accept-Ranges of a whole file's 200: made again only when the location, the extension, the
    /// size or the mtime differ from the previous file's.
    func wholeFileFields(_ path: [UInt8], _ info: Syscall.FileStatus, _ loc: LocationRuntime) -> [UInt8] {
        let ext = Self.extensionRange(path)
        if loc === fieldsLocation && info.size == fieldsSize && info.mtime == fieldsMtime
            && path[ext].elementsEqual(fieldsExtension) {
            return fields
        }
        var etag: [UInt8] = []
        if loc.filters.etag {   // nginx's "mtime-size" in hex
            etag.append(UInt8(ascii: "\""))
            Bytes.appendHex(info.mtime, to: &etag); etag.append(UInt8(ascii: "-")); Bytes.appendHex(Int(info.size), to: &etag)
            etag.append(UInt8(ascii: "\""))
        }
        var w = HeadWriter(capacity: 256)
        StaticFiles.appendFileFields(loc, status: 200, length: info.size, type: contentType(path, loc), etag: etag,
                                     lastModified: lastModified(info.mtime), range: nil, gzip: nil, compressing: false,
                                     chunked: false, coding: .plain, into: &w)
        fields = w.finish()
        fieldsLocation = loc
        fieldsExtension = Array(path[ext])
        fieldsSize = info.size
        fieldsMtime = info.mtime
        return fields
    }

    /// `Content-Type` for `path` in `loc` (StaticFiles.contentType), reused while the location and the
    /// extension are the previous response's: the extension's lower-cased copy and two hash lookups are skipped.
    func contentType(_ path: [UInt8], _ loc: LocationRuntime, request r: Request? = nil) -> [UInt8] {
        if loc.charset?.perRequest == true { return StaticFiles.contentType(path, loc, request: r) }   // `charset $var`
        let ext = Self.extensionRange(path)
        if loc === typeLocation && path[ext].elementsEqual(typeExtension) { return type }
        type = StaticFiles.contentType(path, loc)
        typeLocation = loc
        typeExtension = Array(path[ext])
        return type
    }

    /// `Last-Modified`'s date for `mtime`.
    func lastModified(_ mtime: Int) -> [UInt8] {
        if mtime != modifiedSeconds {
            modified = HTTPDate.imfFixdate(Int64(mtime))
            modifiedSeconds = mtime
        }
        return modified
    }

    /// A reload: the old configuration's location is let go.
    func clear() {
        typeLocation = nil
        typeExtension = []
        type = []
        fieldsLocation = nil
        fields = []
    }

    /// What follows the last dot of the last path segment (empty without one).
    private static func extensionRange(_ path: [UInt8]) -> Range<Int> {
        var i = path.endIndex
        while i > path.startIndex {
            i -= 1
            if path[i] == UInt8(ascii: ".") { return (i + 1)..<path.endIndex }
            if path[i] == UInt8(ascii: "/") { break }
        }
        return path.endIndex..<path.endIndex
    }
}
