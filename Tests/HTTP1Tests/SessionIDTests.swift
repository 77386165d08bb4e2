import HTTP1
import Testing

/// `SessionID.find`, jvm_route's one session-id extractor (the engine and the session fuzz target use it).
struct SessionIDTests {
    static func find(_ target: String, cookie: String? = nil, urlName: String = "jsessionid") throws -> String? {
        let head = try request(
            "GET \(target) HTTP/1.1\r\nHost: h\r\n" + (cookie.map { "Cookie: \($0)\r\n" } ?? "") + "\r\n")
        let id = SessionID.find(
            in: head, args: head.query.map(head.bytes), cookie: bytes("JSESSIONID"), urlName: bytes(urlName))
        return id.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: [
        ("/app/page;jsessionid=8F3A.tomcat1", "8F3A.tomcat1"),
        ("/app/page;JSESSIONID=8F3A.tomcat1?x=1", "8F3A.tomcat1"),
        ("/app/page;jsessionid=8F3A.tomcat1;other=1", "8F3A.tomcat1"),
        ("/app;jsessionid=AB.t2/more", "AB.t2"),
        ("/app/page?x=1&jsessionid=CD.tomcat2", "CD.tomcat2"),
        ("/app/page?JSessionId=CD.tomcat2&y=2", "CD.tomcat2"),
        ("/app/page?xjsessionid=CD.tomcat2", nil),
        ("/app/page;jsessionid=", nil),
        ("/app/page;jsessionid=?jsessionid=Q.t2", "Q.t2"),
        ("/app/page", nil),
        ("/app;jsessionid=PATH.t1?jsessionid=QUERY.t2", "PATH.t1"),
    ] as [(String, String?)])
    func fromTheURL(target: String, id: String?) throws {
        #expect(try Self.find(target) == id)
    }

    @Test func theCookieComesFirstUnlessEmpty() throws {
        #expect(try Self.find("/a;jsessionid=X.t1", cookie: "JSESSIONID=C.t2") == "C.t2")
        #expect(try Self.find("/a;jsessionid=X.t1", cookie: "JSESSIONID=") == "X.t1")
        #expect(try Self.find("/a", cookie: "other=1") == nil)
    }

    @Test func aCustomURLNameComparesIgnoringCase() throws {
        #expect(try Self.find("/a;SID=X.t1", urlName: "sid") == "X.t1")
        #expect(try Self.find("/a;jsessionid=X.t1", urlName: "sid") == nil)
    }
}
