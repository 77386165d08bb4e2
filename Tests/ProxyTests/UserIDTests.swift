import Config
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// The visitor id's bytes and texts, as nginx makes and reads them (no sockets).
@Suite struct UserIDCookieTests {
    /// nginx's own example: the cookie `CgoKAl8Ai8oAAAADAwMDAg==` is `$uid_got` 020A0A0A CA8B005F 03000000 02030303.
    @Test func decodesTheFirst22CharactersAsFourHostOrderWords() {
        let decoded = UserIDValue.decode(Array("CgoKAl8Ai8oAAAADAwMDAg==".utf8))
        guard case .id(let id) = decoded else { Issue.record("not decoded: \(decoded)"); return }
        var text: [UInt8] = []
        id.appendText(name: Array("uid".utf8), to: &text)
        #expect(String(decoding: text, as: UTF8.self) == "uid=020A0A0ACA8B005F0300000002030303")
        #expect(id.cookieValue(mark: nil) == Array("CgoKAl8Ai8oAAAADAwMDAg==".utf8))
        #expect(id.cookieValue(mark: UInt8(ascii: "t")) == Array("CgoKAl8Ai8oAAAADAwMDAgt=".utf8))
        // What follows the 22nd character is not read: a mark, or garbage instead of the padding.
        #expect(UserIDValue.decode(Array("CgoKAl8Ai8oAAAADAwMDAgt=".utf8)) == decoded)
        #expect(UserIDValue.decode(Array("CgoKAl8Ai8oAAAADAwMDAg!!garbage".utf8)) == decoded)
    }

    @Test func refusesShortAndNonBase64Cookies() {
        #expect(UserIDValue.decode(Array("short".utf8)) == .tooShort)
        #expect(UserIDValue.decode(Array("CgoKAl8Ai8oAAAADAw!DAg==".utf8)) == .invalid)
        // A `=` ends the text early; a length that leaves a lone character is refused, as ngx_decode_base64.
        #expect(UserIDValue.decode(Array("C=oKAl8Ai8oAAAADAwMDAg==".utf8)) == .invalid)
        guard case .id(let partial) = UserIDValue.decode(Array("Cgo=Al8Ai8oAAAADAwMDAg==".utf8)) else {
            Issue.record("a shorter text is still an id (its missing bytes are zero)"); return
        }
        #expect(!partial.isPresent)
    }
}

/// `userid` through a running switchyard: the cookie a browser gets, and what it gets back.
@Suite(.serialized) struct UserIDEndToEndTests {
    @Test func issuesKeepsMarksAndResetsTheVisitorCookie() throws {
        let f = try Fixture(http: #"""
            map $arg_reset $uid_reset { default 0; yes 1; log log; }
            server {
                listen 127.0.0.1:PORT;
                userid on;
                userid_name visitor;
                userid_domain example.com;
                userid_path /shop;
                userid_expires max;
                userid_flags secure httponly samesite=lax;
                userid_p3p 'CP="CUR ADM"';
                add_header X-Got $uid_got;
                add_header X-Set $uid_set;
                location / { return 200 "ok"; }
                location /v1 { userid v1; userid_service 7; userid_mark t; userid_expires off; return 200 "v1"; }
                location /log { userid log; return 200 "log"; }
                location /off { userid off; return 200 "off"; }
            }
            """#)
        defer { f.proxy.stop() }
        let first = try f.get("/")
        let cookie = try #require(first.header("Set-Cookie"))
        #expect(cookie.hasPrefix("visitor="))
        #expect(cookie.hasSuffix("==; expires=Thu, 31-Dec-37 23:55:55 GMT; domain=example.com; path=/shop; secure; httponly; samesite=lax"))
        #expect(first.header("P3P") == #"CP="CUR ADM""#)
        let set = try #require(first.header("X-Set"))
        #expect(set.hasPrefix("visitor=0100007F"))   // mode on: the server's address, in network order
        #expect(set.count == "visitor=".count + 32)
        #expect(first.header("X-Got") == nil)

        // The browser sends it back: nothing new is set, and $uid_got is the same id.
        let value = String(cookie.dropFirst("visitor=".count).prefix(24))
        let back = try f.get("/", headers: ["Cookie": "a=b; visitor=\(value)"])
        #expect(back.header("Set-Cookie") == nil)
        #expect(back.header("X-Got") == set)

        // $uid_reset (here from a map) asks for a new one; `log` also says so in the error log.
        let reset = try f.get("/?reset=log", headers: ["Cookie": "visitor=\(value)"])
        let fresh = try #require(reset.header("Set-Cookie"))
        #expect(!fresh.hasPrefix("visitor=\(value)"))
        #expect(f.logFile("logs/error.log", containing: "was reset").contains("[notice]"))
        #expect(f.errorLog().contains("userid cookie \"\(set)\" was reset"))

        // v1: host-order words, the service first; a mark the cookie lacks makes it re-issued with the mark.
        let v1 = try f.get("/v1")
        #expect(try #require(v1.header("X-Set")).hasPrefix("visitor=00000007"))
        #expect(try #require(v1.header("Set-Cookie")).hasSuffix("t=; domain=example.com; path=/shop; secure; httponly; samesite=lax"))
        let marked = try f.get("/v1", headers: ["Cookie": "visitor=\(value)"])
        #expect(marked.header("Set-Cookie")?.hasPrefix("visitor=\(value.prefix(22))t=") == true)
        let alreadyMarked = try f.get("/v1", headers: ["Cookie": "visitor=\(value.prefix(22))t="])
        #expect(alreadyMarked.header("Set-Cookie") == nil)

        // log: read only; off: not even read.
        let logged = try f.get("/log", headers: ["Cookie": "visitor=\(value)"])
        #expect(logged.header("Set-Cookie") == nil && logged.header("X-Got") == set && logged.header("X-Set") == nil)
        #expect(try f.get("/off", headers: ["Cookie": "visitor=\(value)"]).header("X-Got") == nil)

        // A broken cookie is logged with its Cookie line and replaced.
        let broken = try f.get("/", headers: ["Cookie": "visitor=abc"])
        #expect(broken.header("Set-Cookie") != nil)
        #expect(f.logFile("logs/error.log", containing: "too short").contains(#"client sent too short userid cookie "visitor=abc""#))
    }
}
