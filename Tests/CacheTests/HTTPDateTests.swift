import HTTP1
import Testing

/// The dates the cache reads (Expires, Last-Modified) parse with HTTP1's HTTPDate, which Cache uses.
@Suite struct HTTPDateTests {
    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", Int64(784_111_777)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
        ("Sun Nov  6 08:49:37 1994", 784_111_777),
        ("Thu, 01 Jan 1970 00:00:01 GMT", 1),
        ("Thu, 31 Dec 2037 23:55:55 GMT", 2_145_916_555),
        ("Tue, 29 Feb 2028 12:00:00 GMT", 1_835_438_400),
        ("Wed, 25 Nov 2026 09:00:00 GMT", 1_795_597_200),
    ])
    func parses(text: String, time: Int64) {
        #expect(HTTPDate.parse(Array(text.utf8)) == time)
    }

    @Test(arguments: ["", "0", "-1", "yesterday", "Sun, 06 Nov 1994", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"])
    func rejects(text: String) {
        #expect(HTTPDate.parse(Array(text.utf8)) == nil)
    }

    @Test(arguments: [Int64(1), 784_111_777, 2_145_916_555, 1_835_438_400, 1_795_597_200])
    func formatRoundTrips(time: Int64) {
        #expect(HTTPDate.parse(Array(httpDate(time).utf8)) == time)
    }

    @Test func formatIsRFC1123() {
        #expect(httpDate(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(httpDate(1) == "Thu, 01 Jan 1970 00:00:01 GMT")
    }
}

/// IMF-fixdate text of a Unix time.
func httpDate(_ t: Int64) -> String { String(decoding: HTTPDate.imfFixdate(t), as: UTF8.self) }
