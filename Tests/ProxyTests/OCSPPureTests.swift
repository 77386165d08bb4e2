import Config
@testable import Proxy
import Testing

/// The pure parts of OCSP: the GET a responder is asked with, reading its answer, and the cache's policy.
struct OCSPPureTests {
    func url(_ text: String) -> OCSPResponderURL { try! OCSPResponderURL.parse(Array(text.utf8)).get() }

    @Test func theRequestIsAGETOfTheEscapedBase64() {
        // 0xfb 0xff 0xfe encodes as "+//+": both characters escaped as a URI component.
        let bytes = OCSPRequestBytes.make(der: [0xfb, 0xff, 0xbe, 0x00], responder: url("http://127.0.0.1:8083/test"))
        #expect(String(decoding: bytes, as: UTF8.self)
                == "GET /test/%2B%2F%2B%2BAA%3D%3D HTTP/1.0\r\nHost: 127.0.0.1:8083\r\n\r\n")
        let root = OCSPRequestBytes.make(der: [0x30], responder: url("http://r"))
        #expect(String(decoding: root, as: UTF8.self) == "GET /MA%3D%3D HTTP/1.0\r\nHost: r\r\n\r\n")
    }

    @Test func anAnswerIsReadToTheClose() {
        let head = Array("HTTP/1.1 200 OK\nConnection: close\nContent-Type: application/ocsp-response\n\n".utf8)
        #expect(OCSPAnswer.parse(head + [1, 2], ended: false) == .incomplete)
        #expect(OCSPAnswer.parse(head + [1, 2], ended: true) == .response([1, 2]))
        let crlf = Array("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n".utf8)
        #expect(OCSPAnswer.parse(crlf + [9], ended: true) == .response([9]))
        #expect(OCSPAnswer.parse(Array("HTTP/1.0 200".utf8), ended: false) == .incomplete)
    }

    @Test func whatIsNotAResponseFails() {
        #expect(OCSPAnswer.parse([], ended: true) == .failed("OCSP responder prematurely closed connection"))
        #expect(OCSPAnswer.parse(Array("HTTP/1.0 404 Not Found\r\n\r\nno".utf8), ended: true) == .failed("OCSP responder sent status 404"))
        #expect(OCSPAnswer.parse(Array("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n".utf8), ended: false)
                == .failed("OCSP responder sent invalid \"Content-Type\" header: \"text/html\""))
        #expect(OCSPAnswer.parse(Array("SSH-2.0\r\n\r\n".utf8), ended: true) == .failed("OCSP responder sent invalid response"))
        #expect(OCSPAnswer.parse([UInt8](repeating: 65, count: OCSPAnswer.limit + 1), ended: false)
                == .failed("OCSP responder sent too long response"))
    }

    @Test func theCacheKeepsAStatusUntilNextUpdate() {
        #expect(OCSPCache.validUntil(nextUpdate: 2000, now: 1000) == 2000)
        #expect(OCSPCache.validUntil(nextUpdate: nil, now: 1000) == 4600)   // no nextUpdate: an hour
        #expect(OCSPCache.validUntil(nextUpdate: 999, now: 1000) == nil)    // expired: not kept
        let cache = OCSPCache(capacity: 2)
        cache.store([1], status: 0, nextUpdate: 2000, now: 1000)
        #expect(cache.lookup([1], now: 1999) == 0)
        #expect(cache.lookup([1], now: 2000) == nil)
        cache.store([1], status: 1, nextUpdate: nil, now: 1000)
        cache.store([2], status: 0, nextUpdate: nil, now: 1000)
        cache.store([3], status: 0, nextUpdate: nil, now: 1000)   // full: the one stored longest ago goes
        #expect(cache.lookup([1], now: 1001) == nil)
        #expect(cache.lookup([2], now: 1001) == 0 && cache.lookup([3], now: 1001) == 0)
    }
}
