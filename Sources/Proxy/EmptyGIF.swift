import HTTP1

/// nginx's ngx_http_empty_gif_module: `empty_gif;` answers GET and HEAD with a 1×1 transparent GIF (43 bytes),
/// `image/gif`, and the fixed Last-Modified nginx gives it (so If-Modified-Since gets a 304); other methods 405.
enum EmptyGIF {
    /// GIF89a: a 1×1 screen, a two-colour table, a graphic control extension making colour 1 transparent, and
    /// one pixel of it, LZW-coded.
    static let body: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x01, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x4c, 0x01, 0x00, 0x3b,
    ]

    /// nginx's `last_modified_time` for it: Thu, 29 Sep 1970 14:00:00 GMT.
    static let lastModifiedTime: Int64 = 23_349_600
    static let lastModified: [([UInt8], [UInt8])] = [
        (Array("Last-Modified".utf8), HTTPDate.imfFixdate(lastModifiedTime)),
    ]
    static let type = Array("image/gif".utf8)

    static func serve(_ r: Request, on c: ClientConnection) {
        let method = r.head.method
        guard method == .get || method == .head || r.methodIsGET else { return c.sendError(405, closeAfter: false) }
        // An error_page's answer carries the error's status, and the not_modified filter leaves it alone.
        let status = r.errorStatus != 0 ? r.errorStatus : 200
        if status == 200, ConditionalFields.present(in: r.head) {
            switch StaticFiles.conditional(ConditionalFields(r.head), r.location.filters, etag: [], mtime: lastModifiedTime) {
            case .notModified:
                return Responses.send(status: 304, contentType: [], body: [], extra: lastModified, on: c)
            case .preconditionFailed:
                return c.sendError(412, closeAfter: false)
            case .send:
                break
            }
        }
        Responses.send(status: status, contentType: type, body: body, extra: lastModified, on: c)
    }
}
