/// A responder's HTTP answer read to its end (nginx's ngx_ssl_ocsp_process_*): a status line, headers (CRLF or
/// bare LF), and the body up to the close. Only a 200 with no other Content-Type than
/// `application/ocsp-response` carries a response; nginx reads at most 16 KiB.
///
///     OCSPAnswer.parse(bytes, ended: true)   // .response(der) once the responder closed
enum OCSPAnswer: Equatable {
    /// More bytes are needed (the responder has not closed yet).
    case incomplete
    /// The body: the DER OCSP response.
    case response([UInt8])
    /// nginx's words for the error log.
    case failed(String)

    static let limit = 16 * 1024

    static func parse(_ bytes: [UInt8], ended: Bool) -> OCSPAnswer {
        if bytes.count > limit { return .failed("OCSP responder sent too long response") }
        guard let (status, headEnd, contentType) = head(bytes) else {
            if !ended { return .incomplete }
            return .failed(bytes.isEmpty ? "OCSP responder prematurely closed connection"
                                         : "OCSP responder sent invalid response")
        }
        if status < 0 { return .failed("OCSP responder sent invalid response") }
        if let ct = contentType, ct.lowercased() != "application/ocsp-response" {
            return .failed("OCSP responder sent invalid \"Content-Type\" header: \"\(ct)\"")
        }
        if !ended { return .incomplete }
        if status != 200 { return .failed("OCSP responder sent status \(status)") }
        return .response(Array(bytes[headEnd...]))
    }

    /// The status (-1 for a bad status line), where the body starts, and the Content-Type; nil while the
    /// head is incomplete.
    private static func head(_ bytes: [UInt8]) -> (Int, Int, String?)? {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 10 {
                var line = bytes[start..<i]
                if line.last == 13 { line = line.dropLast() }
                start = i + 1
                if line.isEmpty { break }
                lines.append(line)
            }
            i += 1
        }
        guard i < bytes.count, let first = lines.first else { return nil }
        // HTTP/1.x NNN ...
        let parts = first.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
        var status = -1
        if parts.count >= 2, parts[0].starts(with: Array("HTTP/".utf8)), parts[1].count == 3,
           parts[1].allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            status = parts[1].reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        var contentType: String?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return (-1, start, nil) }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            if name.lowercased() == "content-type" {
                contentType = String(decoding: line[(colon + 1)...].drop { $0 == 32 || $0 == 9 }, as: UTF8.self)
                while contentType?.last == " " || contentType?.last == "\t" { contentType?.removeLast() }
            }
        }
        return (status, start, contentType)
    }
}
