/// Reason phrases for status codes, as nginx writes them in its status lines.
/// ```
/// StatusReason.phrase(for: 404)   // "Not Found"
/// ```
public enum StatusReason {
    /// The whole HTTP/1.1 status line (CRLF included) of the statuses a proxy sends most, so a head starts
    /// with one copy; nil for the others, which are written from `phrase(for:)`.
    public static func line(for status: Int) -> StaticString? {
        switch status {
        case 200: "HTTP/1.1 200 OK\r\n"
        case 204: "HTTP/1.1 204 No Content\r\n"
        case 206: "HTTP/1.1 206 Partial Content\r\n"
        case 301: "HTTP/1.1 301 Moved Permanently\r\n"
        case 302: "HTTP/1.1 302 Moved Temporarily\r\n"
        case 304: "HTTP/1.1 304 Not Modified\r\n"
        case 404: "HTTP/1.1 404 Not Found\r\n"
        default: nil
        }
    }

    /// The phrase for `status`, or nil for a code nginx writes without one (its status-line table leaves out 102,
    /// 203, 300, 305, 407, 417, 422, 451 and others: `return 451` goes out as `HTTP/1.1 451 `). 101 is for a
    /// tunnel's head, which nginx relays from the upstream; 431 is the answer switchyard gives a head too large.
    public static func phrase(for status: Int) -> StaticString? {
        switch status {
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Moved Temporarily"  // nginx's wording, kept for byte-identical responses
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Not Allowed"  // nginx's wording
        case 406: "Not Acceptable"
        case 408: "Request Time-out"  // nginx's wording
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Request Entity Too Large"
        case 414: "Request-URI Too Large"
        case 415: "Unsupported Media Type"
        case 416: "Requested Range Not Satisfiable"
        case 421: "Misdirected Request"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"   // not nginx's (it answers 400): switchyard's own, README row
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Temporarily Unavailable"  // nginx's wording
        case 504: "Gateway Time-out"  // nginx's wording
        case 505: "HTTP Version Not Supported"
        case 507: "Insufficient Storage"
        default: nil
        }
    }
}
