import HTTP1

/// `add_trailer`: fields sent after the last chunk of a chunked response (nginx's headers filter sets
/// `expect_trailers`, and the chunked filter then sends an HTTP/1.1 response chunked even when its length is known).
enum Trailers {
    /// Statuses `add_trailer` applies to without `always` (as `add_header`).
    static let statuses: Set<Int> = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308]

    /// Whether `r`'s response carries trailers: HTTP/1.1 with `chunked_transfer_encoding` on, a status that
    /// has a body, and at least one `add_trailer` that applies to the status (`always` or nginx's list).
    static func expected(_ r: Request, status: Int) -> Bool {
        guard let loc = r.location, loc.shaping.hasTrailers, loc.shaping.chunkedTransferEncoding,
              let head = r.head, head.version >= .http1_1, head.method != .head, status != 204, status != 304
        else { return false }
        let listed = statuses.contains(status)
        return loc.shaping.addTrailers.contains { listed || $0.always }
    }

    /// The last chunk with the trailer fields whose value is not empty: `0\r\nName: value\r\n\r\n`.
    static func appendLastChunk(_ r: Request, status: Int, into out: inout [UInt8]) {
        let start = out.count
        out.append(static: "0\r\n")
        if let loc = r.location {
            ResponseHeadBuilder.appendFields(loc.shaping.addTrailers, r, alwaysOnly: !statuses.contains(status),
                                             trailers: true, fieldsStart: start, into: &out)
        }
        out.appendCRLF()
    }
}
