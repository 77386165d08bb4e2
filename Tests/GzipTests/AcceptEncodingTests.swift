import Gzip
import Testing

@Suite struct AcceptEncodingTests {
    @Test(arguments: [
        ("gzip", true),
        ("gzip, deflate", true),
        ("gzip,deflate,sdch", true),
        ("deflate, gzip", true),
        ("GZIP", true),
        ("Gzip;Q=0.5", true),
        ("x-gzip", true),
        ("*", true),
        ("br, *;q=0.1", true),
        ("gzip;q=0", false),
        ("gzip; q=0.000", false),
        ("gzip ; q = 0", false),
        ("gzip;q=0, *", false),          // named refusal beats the wildcard
        ("*;q=0", false),
        ("*;q=0, gzip;q=0.001", true),
        ("gzip;q=0.001", true),
        ("gzip;q=1.000", true),
        ("gzip;q=1.5", false),           // malformed q-value: refused
        ("gzip;q=abc", false),
        ("deflate, br", false),
        ("identity", false),
        ("gzipped", false),
        ("xgzip", false),
        ("", false),
        ("deflate;q=0.5, gzip;q=0.2", true),
    ])
    func table(value: String, accepted: Bool) {
        #expect(AcceptEncoding.allowsGzip(Array(value.utf8)) == accepted)
        // In place, inside a request head's bytes: the same answer, nothing outside the slice read.
        let head = Array("Accept-Encoding: \(value)\r\nX: gzip\r\n".utf8)
        #expect(AcceptEncoding.allowsGzip(head[17..<(17 + value.utf8.count)]) == accepted)
    }
}
