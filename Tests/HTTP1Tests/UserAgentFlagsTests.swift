import HTTP1
import Testing

/// nginx's User-Agent classification (ngx_http_process_user_agent), on real browsers' strings and the edges of
/// its rules.
struct UserAgentFlagsTests {
    static let rows: [(String, UserAgentFlags)] = [
        ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", [.msie, .msie6]),
        ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", [.msie]),   // XP SP2's IE 6 is not msie6
        ("Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)", [.msie, .msie6]),
        ("Mozilla/4.0 (compatible; MSIE 4.01; Windows 95)", [.msie, .msie6]),
        ("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)", [.msie]),
        ("Mozilla/4.0 (compatible; MSIE 10.0; Windows NT 6.1)", [.msie]),
        ("MSIE foo", [.msie]),                  // msie_refresh.t's: three bytes after "MSIE " are enough
        ("MSIE 6.0", [.msie, .msie6]),
        ("xMSIE 6.", []),                       // two bytes after it are not
        ("msie 6.0 x", []),                     // case matters
        ("SV1 MSIE 6.0 x", [.msie, .msie6]),    // SV1 counts only after the version
        ("MSIE 6,0 x", [.msie]),
        // Opera names MSIE in its compatible mode and is not it.
        ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; en) Opera 8.50", [.opera]),
        ("Opera/9.80 (X11; Linux x86_64) Presto/2.12.388 Version/12.16", [.opera]),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0", [.gecko]),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
            + "Safari/537.36", [.chrome]),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
            + "Safari/537.36", [.chrome]),      // Chrome on a Mac is not Safari
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
            + "Safari/605.1.15", [.safari]),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            + "Version/17.1 Mobile/15E148 Safari/604.1", [.safari]),
        ("Mozilla/5.0 (Windows; U; Windows NT 5.1) AppleWebKit/525.19 (KHTML, like Gecko) Version/3.1.2 "
            + "Safari/525.21", []),             // Safari without "Mac OS X"
        ("Mozilla/5.0 (compatible; Konqueror/3.5; Linux) KHTML/3.5.10 (like Gecko)", [.konqueror]),
        ("Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko", []),   // IE 11 says no "MSIE "
        ("curl/8.5.0", []),
        ("", []),
    ]

    @Test(arguments: rows) func row(_ agent: String, _ expected: UserAgentFlags) {
        #expect(UserAgentFlags(userAgent: Array(agent.utf8)) == expected)
    }

    /// The same bytes as a slice of a larger buffer (a head's field) classify the same.
    @Test func aSliceClassifiesAsItsBytes() {
        let buffer = Array("User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\n".utf8)
        #expect(UserAgentFlags(userAgent: buffer[12..<(buffer.count - 2)]) == [.msie, .msie6])
        #expect(UserAgentFlags(userAgent: buffer[12..<(12 + 32)]) == [])   // cut right after "MSIE 6."
    }

    /// nginx 1.22 reads the first User-Agent line only.
    @Test func aHeadIsClassifiedByItsFirstUserAgent() throws {
        #expect(try flags("User-Agent: MSIE 7.0 x\r\nUser-Agent: Opera\r\n") == [.msie])
        #expect(try flags("User-Agent: Gecko/1\r\nUser-Agent: MSIE 7.0 x\r\n") == [.gecko])
        #expect(try flags("user-agent: Opera\r\n") == [.opera])
        #expect(try flags("Accept: MSIE 6.0 x\r\n") == [])
    }

    private func flags(_ fields: String) throws -> UserAgentFlags {
        var parser = RequestHeadParser()
        let wire = Array("GET / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n".utf8)
        guard case .complete(let head, _) = wire.withByteView({ parser.parse($0) }) else {
            Issue.record("the head did not parse")
            return []
        }
        return UserAgentFlags(head: head)
    }
}
