@testable import Proxy
import Testing

/// The autoindex listing without sockets: nginx's four formats byte for byte, its order, escaping, the name
/// column's width and cut, and its sizes.
@Suite struct AutoindexListingTests {
    typealias Entry = AutoindexListing.Entry
    static let day: Int64 = 86400

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
    static func spaces(_ n: Int) -> String { String(repeating: " ", count: n) }
    /// The html row of a name that needs no escaping, as nginx pads it.
    static func row(_ name: String, _ shown: String, date: String, size: String) -> String {
        "<a href=\"\(name)\">\(shown)</a>\(spaces(50 - shown.count)) \(date) \(size)\r\n"
    }
    static func html(_ entries: [Entry], uri: String = "/d/", utf8: Bool = false, exact: Bool = true,
                     offset: Int = 0) -> String {
        text(AutoindexListing(entries).html(uri: Array(uri.utf8), utf8: utf8, exactSize: exact, utcOffsetMinutes: offset))
    }

    @Test func directoriesFirstThenNamesInByteOrder() {
        let l = AutoindexListing([Entry("b"), Entry("z", directory: true), Entry("A"), Entry("a", directory: true),
                                  Entry("\u{444}"), Entry("B")])
        #expect(l.entries.map { Self.text($0.name) } == ["a", "z", "A", "B", "b", "\u{444}"])
    }

    @Test func htmlPageByteForByte() {
        let page = Self.html([Entry("f.txt", mtime: 365 * Self.day + 3661, size: 42), Entry("sub", directory: true)])
        let expected = "<html>\r\n<head><title>Index of /d/</title></head>\r\n<body>\r\n<h1>Index of /d/</h1>"
            + "<hr><pre><a href=\"../\">../</a>\r\n"
            + Self.row("sub/", "sub/", date: "01-Jan-1970 00:00", size: Self.spaces(18) + "-")
            + Self.row("f.txt", "f.txt", date: "01-Jan-1971 01:01", size: Self.spaces(17) + "42")
            + "</pre><hr></body>\r\n</html>\r\n"
        #expect(page == expected)
        #expect(Self.html([]) == "<html>\r\n<head><title>Index of /d/</title></head>\r\n<body>\r\n<h1>Index of /d/</h1>"
            + "<hr><pre><a href=\"../\">../</a>\r\n</pre><hr></body>\r\n</html>\r\n")
    }

    @Test func localtimeShiftsTheHtmlDatesOnly() {
        let e = [Entry("f", mtime: 0)]
        #expect(Self.html(e, offset: 150).contains(" 01-Jan-1970 02:30 "))
        #expect(Self.html(e, offset: -60).contains(" 31-Dec-1969 23:00 "))
    }

    @Test func namesAreURIEscapedInHrefAndHTMLEscapedInText() {
        let page = Self.html([Entry("a \"b\"<&>:?%~_.-x.txt")], uri: "/<x>&\"/")
        #expect(page.contains("<a href=\"a%20%22b%22%3C%26%3E%3A%3F%25~_.-x.txt\">a &quot;b&quot;&lt;&amp;&gt;:?%~_.-x.txt</a>"
            + Self.spaces(50 - 21) + " "))
        #expect(page.contains("<title>Index of /&lt;x&gt;&amp;&quot;/</title>"))
        #expect(page.contains("<h1>Index of /&lt;x&gt;&amp;&quot;/</h1>"))
        // UTF-8 names are percent-encoded byte by byte in href, kept as they are in the text.
        #expect(Self.html([Entry("\u{444} b")]).contains("<a href=\"%D1%84%20b\">\u{444} b</a>"))
    }

    @Test func longNamesAreCutToTheColumnWithAnArrow() {
        let x60 = String(repeating: "x", count: 60)
        #expect(Self.html([Entry(x60)]).contains(">\(String(repeating: "x", count: 47))..&gt;</a> 01-Jan-1970"))
        let gt60 = String(repeating: ">", count: 60)
        #expect(Self.html([Entry(gt60)]).contains(">\(String(repeating: "&gt;", count: 47))..&gt;</a> 01-Jan-1970"))
        // Exactly the width: no cut, no room for the directory's slash, no padding.
        let x50 = String(repeating: "x", count: 50), x49 = String(repeating: "x", count: 49)
        #expect(Self.html([Entry(x50, directory: true)]).contains("<a href=\"\(x50)/\">\(x50)</a> 01-Jan-1970"))
        #expect(Self.html([Entry(x49, directory: true)]).contains("<a href=\"\(x49)/\">\(x49)/</a> 01-Jan-1970"))
        #expect(Self.html([Entry(x50)]).contains(">\(x50)</a> 01-Jan-1970"))
    }

    @Test func utf8NamesAreMeasuredInCharactersWhenThePageIsUTF8() {
        let f = "\u{444}"
        let long = "test-" + String(repeating: f, count: 46)
        // utf-8 page: 51 characters, cut to 47; 50 fit.
        #expect(Self.html([Entry("test-" + String(repeating: f, count: 45))], utf8: true)
            .contains(">test-\(String(repeating: f, count: 45))</a> "))
        #expect(Self.html([Entry(long)], utf8: true).contains(">test-\(String(repeating: f, count: 42))..&gt;</a> "))
        let short = "t-" + String(repeating: f, count: 3)
        #expect(Self.html([Entry(short)], utf8: true).contains(">\(short)</a>\(Self.spaces(45)) "))
        // Escaped and long: the first 47 characters, then escaped.
        let mixed = "<>&-" + String(repeating: f, count: 50)
        #expect(Self.html([Entry(mixed)], utf8: true).contains(">&lt;&gt;&amp;-\(String(repeating: f, count: 43))..&gt;</a> "))
        // Another charset: bytes, so the cut may fall inside a character (as nginx's does).
        let bytes = AutoindexListing([Entry(String(repeating: f, count: 30))])
            .html(uri: Array("/".utf8), utf8: false, exactSize: true)
        let cut = Array(String(repeating: f, count: 23).utf8) + [0xd1] + Array("..&gt;</a>".utf8)
        #expect(bytes.indices.contains { bytes[$0...].starts(with: cut) })
        // Invalid UTF-8 counts in bytes even on a utf-8 page.
        #expect(AutoindexListing.utf8Length([0x61, 0xd1, 0x84]) == 2)
        #expect(AutoindexListing.utf8Length([0x61, 0xd1]) == 2)
        #expect(AutoindexListing.utf8Length([0xc0, 0x80]) == 2)   // overlong
    }

    @Test func sizesExactOrRoundedAsNginxDoes() {
        #expect(Self.html([Entry("f", size: 1234567)]).contains(" 01-Jan-1970 00:00 " + Self.spaces(12) + "1234567\r\n"))
        let human: [(Int64, String)] = [(0, "      0"), (9999, "   9999"), (10000, "    10K"), (10240, "    10K"),
                                        (1024 * 1024 - 1, "  1024K"), (1024 * 1024, "     1M"),
                                        (1024 * 1024 * 3 / 2, "     2M"), (1024 * 1024 * 3 / 2 - 1, "     1M"),
                                        (5 * 1024 * 1024 * 1024, "     5G")]
        for (size, shown) in human {
            #expect(Self.html([Entry("f", size: size)], exact: false).contains(" 01-Jan-1970 00:00 \(shown)\r\n"), "\(size)")
        }
        #expect(Self.html([Entry("d", directory: true)], exact: false).contains(" 01-Jan-1970 00:00       -\r\n"))
    }

    @Test func jsonByteForByte() {
        let l = AutoindexListing([Entry("f", mtime: 0, size: 42), Entry("d", directory: true, mtime: 86400),
                                  Entry("p", file: false, mtime: 0, size: 7)])
        let body = "[\r\n{ \"name\":\"d\", \"type\":\"directory\", \"mtime\":\"Fri, 02 Jan 1970 00:00:00 GMT\" },"
            + "\r\n{ \"name\":\"f\", \"type\":\"file\", \"mtime\":\"Thu, 01 Jan 1970 00:00:00 GMT\", \"size\":42 },"
            + "\r\n{ \"name\":\"p\", \"type\":\"other\", \"mtime\":\"Thu, 01 Jan 1970 00:00:00 GMT\" }\r\n]"
        #expect(Self.text(l.json()) == body)
        #expect(Self.text(l.json(callback: Array("cb.x".utf8))) == "/* callback */\r\ncb.x(" + body + ");")
        #expect(Self.text(AutoindexListing([]).json()) == "[\r\n]")
        #expect(Self.text(AutoindexListing([]).json(callback: Array("foo".utf8))) == "/* callback */\r\nfoo([\r\n]);")
    }

    @Test func jsonEscapesQuotesBackslashesAndControls() {
        let l = AutoindexListing([Entry("a\"b\\c\nd\te\u{1}f\u{1f}<\u{444}")])
        #expect(Self.text(l.json()).contains("\"name\":\"a\\\"b\\\\c\\nd\\te\\u0001f\\u001F<\u{444}\""))
    }

    @Test func jsonpCallbackNames() {
        #expect(AutoindexListing.validCallback(Array("foo.Bar_9".utf8)))
        #expect(AutoindexListing.validCallback([UInt8]()))
        #expect(AutoindexListing.validCallback(Array(repeating: UInt8(ascii: "a"), count: 128)))
        #expect(!AutoindexListing.validCallback(Array(repeating: UInt8(ascii: "a"), count: 129)))
        for bad in ["a-b", "a(b)", "a%20", "a b", "<x>", "\u{444}", "@", "[", "`", "{"] {
            #expect(!AutoindexListing.validCallback(Array(bad.utf8)), "\(bad)")
        }
    }

    @Test func xmlByteForByte() {
        let l = AutoindexListing([Entry("a<&>\"'.txt", mtime: 951_782_400 + 45296, size: 42),
                                  Entry("d", directory: true, mtime: 0), Entry("l", file: false, mtime: 0)])
        #expect(Self.text(l.xml()) == "<?xml version=\"1.0\"?>\r\n<list>\r\n"
            + "<directory mtime=\"1970-01-01T00:00:00Z\">d</directory>\r\n"
            + "<file mtime=\"2000-02-29T12:34:56Z\" size=\"42\">a&lt;&amp;&gt;&quot;'.txt</file>\r\n"
            + "<other mtime=\"1970-01-01T00:00:00Z\">l</other>\r\n"
            + "</list>\r\n")
    }
}

extension AutoindexListing.Entry {
    /// A file by default; `file: false` is nginx's "other" (a broken link, a FIFO).
    init(_ name: String, directory: Bool = false, file: Bool = true, mtime: Int64 = 0, size: Int64 = 0) {
        self.init(name: Array(name.utf8), isDirectory: directory, isFile: file && !directory, mtime: mtime, size: size)
    }
}
