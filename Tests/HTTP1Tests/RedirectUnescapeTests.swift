import HTTP1
import Testing

/// nginx's NGX_UNESCAPE_REDIRECT, row by row (the results nginx gives; nginx-tests rewrite_unescape.t).
struct RedirectUnescapeTests {
    static let rows: [(String, String)] = [
        ("http%3A%2F%2Fexample.com%2F%3Ffrom", "http://example.com/?from"),
        ("http%3A%2F%2Fexample.com%0D%0Asplit", "http://example.com%0D%0Asplit"),
        ("http%3A%2F%2Fexample.com%2F%3Ffrom%3Dblah", "http://example.com/?from%3Dblah"),   // `?` ends decoding
        ("/a?b%2Fc", "/a?b%2Fc"),
        ("/a%20b%25c%22d%24e%7Ef%7F", "/a%20b%25c%22d%24e~f%7F"),
        ("/%zz", "/zz"),        // not hex: the `%` goes
        ("/%4z/x", "//x"),      // a second byte that is not hex goes with it
        ("/x%", "/x"),
        ("/x%4", "/x"),
        ("plain", "plain"),
    ]

    @Test(arguments: rows) func row(_ input: String, _ expected: String) {
        #expect(String(decoding: RedirectUnescape.apply(Array(input.utf8)), as: UTF8.self) == expected)
    }
}

/// `$upstream_cookie_NAME` reads the cookie a Set-Cookie line starts with (nginx-tests proxy_upstream_cookie.t).
struct SetCookieValueTests {
    static let rows: [(String, String?)] = [
        ("tc=content", "content"),
        ("TC=content; Path=/", "content"),
        ("tc = content", "content"),
        ("tc=con  tent; Domain=example.com", "con  tent"),
        ("tc=", ""),
        ("tc", nil),            // not longer than the name
        ("tc=;", ""),
        ("tc\t=\tcontent     ;", nil),   // a tab is not a space here
        ("tc==;abc", "="),
        ("=tc=content", nil),
        ("a=1; tc=2", nil),     // one cookie a line, first
        ("tc=first,tc=second", "first,tc=second"),
        ("tcx=1", nil),
    ]

    @Test(arguments: rows) func row(_ line: String, _ expected: String?) {
        let v = SetCookieValue.of(Array("tc".utf8), in: Array(line.utf8)[...])
        #expect(v.map { String(decoding: $0, as: UTF8.self) } == expected)
    }
}
