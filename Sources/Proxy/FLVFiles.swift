import EventLoop
import HTTP1

/// nginx's ngx_http_flv_module: `flv;` serves a location's files, and a `start=N` argument (a byte offset that
/// the player took from the video's keyframe index) answers with an FLV header followed by the file from that
/// offset, so a Flash player can seek without HTTP ranges. Everything else is the static module's: validators
/// (the ETag counts the body sent), the not_modified and range filters (over the body with its header), gzip.
enum FLVFiles {
    /// "FLV", version 1, audio and video, a 9-byte header, then a zero PreviousTagSize: what precedes the first
    /// tag of any FLV stream.
    static let header: [UInt8] = [0x46, 0x4C, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]

    static func serve(_ r: Request, files: StaticRuntime, on c: ClientConnection) {
        let method = r.methodIsGET ? HTTPMethod.get : r.head.method
        guard method == .get || method == .head else { return c.sendError(405, closeAfter: false) }
        // A directory's URI is the static module's (index, autoindex), as nginx's handler declines it.
        if r.uri.last == UInt8(ascii: "/") { return StaticFiles.serve(r, files: files, on: c) }
        let path = files.path(for: r)
        guard let (fd, info) = StaticFiles.openRegular(r, path, on: c) else { return }
        let start = r.hasArgs ? offset(QueryArgs.value(named: "start".utf8, in: r.args), size: info.size) : 0
        let layout = start > 0 ? FileBodyLayout(prefix: header, fileStart: start) : FileBodyLayout()
        let status = r.errorStatus != 0 ? r.errorStatus : 200
        StaticFiles.sendFile(r, c, fd: fd, info: info, path: path, status: status, method: method, coding: .plain,
                             layout: layout)
    }

    /// `start=`'s offset as nginx reads it (ngx_atoof: decimal digits only, no sign); 0 for anything else and for
    /// an offset at or past the end of the file.
    static func offset(_ value: ArraySlice<UInt8>?, size: Int64) -> Int64 {
        guard let value, !value.isEmpty else { return 0 }
        var n: Int64 = 0
        for b in value {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return 0 }
            let (times, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(b - UInt8(ascii: "0")))
            if o1 || o2 { return 0 }
            n = sum
        }
        return n < size ? n : 0
    }
}
