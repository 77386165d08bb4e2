import HTTP1
import Testing

/// Parses a complete request (must succeed).
func request(_ wire: String, underscores: Bool = false) throws -> RequestHead {
    var parser = RequestHeadParser(underscoresInHeaders: underscores)
    guard case .complete(let head, _) = bytes(wire).withByteView({ parser.parse($0) }) else {
        throw ParserVerifier.Mismatch(description: "did not parse: \(wire.debugDescription)")
    }
    return head
}

struct CookieTests {
    static let rows: [(String, String, String?)] = [
        // header value, name, expected
        ("JSESSIONID=8F3A.tomcat1", "JSESSIONID", "8F3A.tomcat1"),
        ("a=1; JSESSIONID=8F3A.tomcat1; b=2", "JSESSIONID", "8F3A.tomcat1"),
        ("a=1;jsessionid=x;b=2", "JSESSIONID", "x"),
        ("a=1; b = 2 ; c=3", "b", "2"),
        ("a=1; b=", "b", ""),
        ("a=1; bb=2", "b", nil),
        ("ab=2", "b", nil),
        ("a=1; b", "b", nil),
        ("b=first; b=second", "b", "first"),
        ("x=a=b", "x", "a=b"),
        ("", "a", nil),
        ("b x=1; b=2", "b", "2"),
        ("b; b=3", "b", "3"),
        ("JSESSION=1; JSESSIONID", "JSESSIONID", nil),
        ("x=JSESSIONID=1; JSESSIONID=2", "JSESSIONID", "2"),
        ("\tb\t=\t4\t", "b", "4"),
        // Names of eight bytes and more are compared a word at a time first, then case-insensitively.
        ("jsessionid=5", "JSESSIONID", "5"),
        ("JSESSIONIX=1; JSESSIONID=2", "JSESSIONID", "2"),
        ("XSESSIONID=1; JSESSIONID=2", "JSESSIONID", "2"),
        ("JSESSIONI", "JSESSIONID", nil),
    ]

    @Test func viewMatchesExactBytesOnly() {
        let hay = bytes("xxJSESSIONIDyy")
        hay.withByteView { h in
            bytes("JSESSIONID").withByteView { n in
                #expect(h.matches(n, at: 2))
                #expect(!h.matches(n, at: 1) && !h.matches(n, at: 3))
            }
            bytes("jsessionid").withByteView { #expect(!h.matches($0, at: 2)) }
            bytes("").withByteView { #expect(h.matches($0, at: 14)) }
        }
    }

    @Test(arguments: rows)
    func cookieValue(header: String, name: String, expected: String?) {
        #expect(Cookies.value(named: bytes(name), in: bytes(header)[...]).map { text($0) } == expected)
        let b = bytes(header)
        let range = Cookies.valueRange(named: bytes(name), in: b, ByteRange(start: 0, end: b.count))
        #expect(range.map { text(Array(b[$0.start..<$0.end])) } == expected)
    }

    @Test func acrossSeveralCookieHeaders() throws {
        let head = try request("GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nX: y\r\ncookie: b=2; a=3\r\n\r\n")
        #expect(head.cookie(named: bytes("b")).map { text($0) } == "2")
        #expect(head.cookie(named: bytes("a")).map { text($0) } == "1")
        #expect(head.cookie(named: bytes("c")) == nil)
        for (name, value) in [("b", "2"), ("a", "1"), ("A", "1")] {
            #expect(head.cookieRange(named: bytes(name)).map { text(Array(head.bytes[$0.start..<$0.end])) } == value)
        }
        #expect(head.cookieRange(named: bytes("c")) == nil)
        var all: [String] = []
        head.forEachCookie { all.append(text($0) + "=" + text($1)) }
        #expect(all == ["a=1", "b=2", "a=3"])
    }
}

struct URIPathTests {
    static let rows: [(String, String?)] = [
        ("/", "/"),
        ("/a/b", "/a/b"),
        ("/a/./b", "/a/b"),
        ("/a/../b", "/b"),
        ("/a/b/../../c", "/c"),
        ("/a/.", "/a/"),
        ("/a/..", "/"),
        ("/.", "/"),
        ("//a", "/a"),
        ("/a//b///c/", "/a/b/c/"),
        ("/a/.../b", "/a/.../b"),
        ("/a/.b/..c", "/a/.b/..c"),
        ("/%61%62%63", "/abc"),
        ("/a%2Fb", "/a/b"),
        ("/a/%2e/b", "/a/b"),
        ("/a/%2E%2e/b", "/b"),
        ("/a%2f%2fb", "/a/b"),
        ("/%2541", "/%41"),
        ("/a%3Fb", "/a?b"),
        ("/caf%C3%A9", "/caf\u{e9}"),
        ("/a;jsessionid=X", "/a;jsessionid=X"),
        ("/+", "/+"),
        // Refused with 400.
        ("/..", nil),
        ("/../a", nil),
        ("/%2e%2e/", nil),
        ("/a/../..", nil),
        ("/a/%2e%2e/%2E./b", nil),
        ("/a%00b", nil),
        ("/a%0d%0aSet-Cookie:%20x", nil),   // a line break in $uri would split a head it is written into
        ("/a%0Ab", nil),
        ("/a%0Db", nil),
        ("/a%09b", "/a\tb"),
        ("/a%zz", nil),
        ("/a%4", nil),
        ("/a%", nil),
        ("a/b", nil),
        ("", nil),
    ]

    @Test(arguments: rows)
    func normalizes(raw: String, expected: String?) {
        let got: String?
        do {
            got = text(try URIPath.normalize(bytes(raw)))
        } catch {
            #expect(error == .invalidURI && error.status == 400)
            got = nil
        }
        #expect(got == expected, "\(raw)")
    }

    /// The request's `$uri` as the router makes it (written over a buffer that still holds the last one, and copied
    /// as it is when it is already normal): the same as the table's, with merge_slashes on and off.
    @Test(arguments: rows)
    func normalizesARequestsPathIntoABuffer(raw: String, expected: String?) throws {
        guard raw.hasPrefix("/"), !raw.unicodeScalars.contains(where: { $0.value > 0x7e }) else { return }
        let head = try request("GET \(raw) HTTP/1.1\r\nHost: h\r\n\r\n")
        for merge in [true, false] {
            var out = bytes("/an/earlier/request/uri")
            let got: String?
            do {
                try head.normalizedPath(mergeSlashes: merge, into: &out)
                got = text(out)
            } catch {
                got = nil
            }
            let reference = try? text(URIPath.normalize(bytes(raw), mergeSlashes: merge))
            #expect(got == reference, "\(raw) merge_slashes \(merge)")
            if merge { #expect(got == expected, "\(raw)") }
        }
    }

    static let parameters: [(String, String, String?)] = [
        ("/app/page;jsessionid=8F3A.tomcat1", "jsessionid", "8F3A.tomcat1"),
        ("/app/page;JSESSIONID=ab;other=1", "jsessionid", "ab"),
        ("/app;jsessionid=ab/page", "jsessionid", "ab"),
        ("/app;jsessionid=ab#frag", "jsessionid", "ab"),
        ("/app;x=1;jsessionid=ab", "jsessionid", "ab"),
        ("/app;jsessionid=", "jsessionid", ""),
        ("/app;jsessionidx=1", "jsessionid", nil),
        ("/app/jsessionid=1", "jsessionid", nil),
        ("/app;jsessionid", "jsessionid", nil),
    ]

    @Test(arguments: parameters)
    func pathParameter(path: String, name: String, expected: String?) {
        #expect(URIPath.pathParameter(named: bytes(name), in: bytes(path)[...]).map { text($0) } == expected)
    }

    static let args: [(String, String, String?)] = [
        ("page=2&x=1", "page", "2"),
        ("x=1&PAGE=3", "page", "3"),
        ("x=1&page=", "page", ""),
        ("apage=1&page=2", "page", "2"),
        ("page&x=1", "page", nil),
        ("x=page=1", "page", nil),
        ("a=%20b&b=c+d", "b", "c+d"),
        ("", "page", nil),
    ]

    @Test(arguments: args)
    func queryArgument(query: String, name: String, expected: String?) {
        #expect(QueryArgs.value(named: bytes(name), in: bytes(query)[...]).map { text($0) } == expected)
    }
}

struct HeadAccessorTests {
    @Test func lookupsAreCaseInsensitiveAndOrdered() throws {
        let head = try request(
            "GET / HTTP/1.1\r\nHost: Example.COM.:8080\r\nX-A: 1\r\nx-a: 2\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: 5\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: x\r\nTrailer: t\r\nAccept: */*\r\n\r\n"
        )
        #expect(head.firstHeader("x-a").map { text($0) } == "1")
        #expect(head.firstHeader(bytes("X-A")).map { text($0) } == "1")
        #expect(head.headerValues(named: "X-A").map { text($0) } == ["1", "2"])
        #expect(head.firstHeader("missing") == nil)
        #expect(head.lowercasedHost().map { text($0) } == "example.com")
        let hop = head.headers.indices.filter { head.isHopByHop($0) }.map { text(head.name(at: $0)) }
        #expect(hop == ["Connection", "X-Secret", "Keep-Alive", "TE", "Upgrade", "Proxy-Connection", "Trailer"])
        #expect(head.header(at: 0, isNamed: "host"))
        #expect(HTTPMethod.post.isIdempotent == false && HTTPMethod.lock.isIdempotent == false)
        #expect(HTTPMethod.patch.isIdempotent == false && HTTPMethod.get.isIdempotent && HTTPMethod.put.isIdempotent)
    }

    @Test(arguments: [
        ("GET /a/./b/../c%20d?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", "/a/c d", "/a/./b/../c%20d?x=1"),
        ("GET http://h/p//q?x HTTP/1.1\r\nHost: h\r\n\r\n", "/p/q", "/p//q?x"),
        ("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", "/", ""),
    ])
    func uriAndRequestURI(wire: String, uri: String, requestURI: String) throws {
        let head = try request(wire)
        #expect(text(try head.normalizedPath()) == uri)
        #expect(text(head.bytes(head.requestURI)) == requestURI)
    }

    @Test func normalizedPathRefusesEscapesAboveRoot() throws {
        let head = try request("GET /a/%2e%2e/%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(throws: HTTPParseError.invalidURI) { try head.normalizedPath() }
    }

    /// Only kept with `underscores_in_headers on`: by default such a field is dropped (RequestPathParserTests).
    @Test func underscoreNamesAreFlagged() throws {
        let head = try request("GET / HTTP/1.1\r\nHost: h\r\nX_Real: 1\r\nX-Real: 2\r\n\r\n", underscores: true)
        #expect(head.headers.indices.map { head.nameHasUnderscore(at: $0) } == [false, true, false])
    }

    @Test(arguments: [("[::1]:80", "[::1]"), ("a.b", "a.b"), ("A.B.", "a.b"), ("h:8080", "h")])
    func hostNormalization(host: String, expected: String) throws {
        let head = try request("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        #expect(head.lowercasedHost().map { text($0) } == expected)
    }
}
