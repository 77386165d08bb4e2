@testable import HTTP1
import Testing

/// A worker parses every head through one slot (`RequestHeadSlot`, `ResponseHeadSlot`): a head someone still holds
/// must read the same after later heads were parsed, and a head made from reused storage must read exactly as a
/// freshly made one, however many fields the previous head had.
@Suite struct HeadSlotTests {
    private func request(_ text: String, _ parser: inout RequestHeadParser, _ slot: inout RequestHeadSlot) -> RequestHead? {
        defer { parser.reset() }
        guard case .complete(let head, _) = Array(text.utf8).withByteView({ parser.parse($0, slot: &slot) }) else {
            return nil
        }
        return head
    }

    private func response(_ text: String, _ parser: inout ResponseHeadParser, _ slot: inout ResponseHeadSlot) -> ResponseHead? {
        defer { parser.reset() }
        guard case .complete(let head, _) = Array(text.utf8).withByteView({ parser.parse($0, slot: &slot) }) else {
            return nil
        }
        return head
    }

    private let longRequest = "POST /upload?a=1 HTTP/1.1\r\nHost: one.example\r\nContent-Length: 5\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
    private let shortRequest = "GET /x HTTP/1.0\r\nHost: two\r\n\r\n"

    @Test func aHeldRequestHeadIsNotChangedByTheNextParse() throws {
        var parser = RequestHeadParser()
        var slot = RequestHeadSlot()
        let first = try #require(request(longRequest, &parser, &slot))
        let before = RequestSummary(first, consumed: 0)
        let second = try #require(request(shortRequest, &parser, &slot))
        #expect(RequestSummary(first, consumed: 0) == before)
        #expect(before.headers == ["Host: one.example", "Content-Length: 5", "X-A: 1", "X-B: 2"])
        #expect(RequestSummary(second, consumed: 0).headers == ["Host: two"])
    }

    @Test func aReleasedRequestHeadsStorageServesTheNextHeadAsANewOneWould() throws {
        var parser = RequestHeadParser()
        var slot = RequestHeadSlot()
        var fresh = RequestHeadParser()
        for (earlier, later) in [(longRequest, shortRequest), (shortRequest, longRequest), (longRequest, longRequest)] {
            _ = try #require(request(earlier, &parser, &slot))   // dropped at once: its storage goes back to the slot
            let reused = try #require(request(later, &parser, &slot))
            let expected = try #require(Array(later.utf8).withByteView { v -> RequestHead? in
                if case .complete(let h, _) = fresh.parse(v) { return h } else { return nil }
            })
            fresh.reset()
            #expect(RequestSummary(reused, consumed: 0) == RequestSummary(expected, consumed: 0))
            #expect(reused == expected)
        }
    }

    private let longResponse = "HTTP/1.1 200 OK\r\nServer: a\r\nContent-Length: 3\r\nSet-Cookie: s=1\r\nETag: \"x\"\r\n\r\n"
    private let shortResponse = "HTTP/1.0 404 Not Found\r\nConnection: close\r\n\r\n"

    @Test func aHeldResponseHeadIsNotChangedByTheNextParse() throws {
        var parser = ResponseHeadParser()
        var slot = ResponseHeadSlot()
        let first = try #require(response(longResponse, &parser, &slot))
        let before = ResponseSummary(first)
        _ = try #require(response(shortResponse, &parser, &slot))
        #expect(ResponseSummary(first) == before)
        #expect(before.headers == ["Server: a", "Content-Length: 3", "Set-Cookie: s=1", "ETag: \"x\""])
        #expect(before.hasSetCookie)
    }

    @Test func aReleasedResponseHeadsStorageServesTheNextHeadAsANewOneWould() throws {
        var parser = ResponseHeadParser()
        var slot = ResponseHeadSlot()
        for (earlier, later) in [(longResponse, shortResponse), (shortResponse, longResponse)] {
            _ = try #require(response(earlier, &parser, &slot))
            let reused = try #require(response(later, &parser, &slot))
            var fresh = ResponseHeadParser()
            guard case .complete(let expected, _) = fresh.parse(Array(later.utf8)) else {
                Issue.record("the reference parse failed"); return
            }
            #expect(ResponseSummary(reused) == ResponseSummary(expected))
            #expect(reused == expected)
        }
    }

    /// Many requests in flight at once (a worker under load): once they end, the heads that follow are made in
    /// their storages, not in new ones, and a head still held is never one of them.
    @Test func storagesOfHeadsReleasedTogetherAreReused() throws {
        var parser = RequestHeadParser()
        var slot = RequestHeadSlot()
        var inFlight = try (0..<10).map { _ in try #require(request(longRequest, &parser, &slot)) }
        let stillHeld = try #require(request(shortRequest, &parser, &slot))
        let released = Set(inFlight.map { ObjectIdentifier($0.fields) })
        inFlight.removeAll()
        for k in 0..<30 {
            let next = try #require(request(k % 2 == 0 ? shortRequest : longRequest, &parser, &slot))
            #expect(released.contains(ObjectIdentifier(next.fields)), "head \(k) got a new storage")
            #expect(next.fields !== stillHeld.fields)
        }
        #expect(RequestSummary(stillHeld, consumed: 0).headers == ["Host: two"])
        #expect(slot.pool.count == 11)
    }

    /// Each exchange has its own parser, which starts with the field list the slot kept from the last reused
    /// head: heads still held (every other one here) read as they did, and the others as fresh parses.
    @Test func aNewParserPerResponseReadsAsAFreshOne() throws {
        var slot = ResponseHeadSlot()
        var held: [(ResponseHead, ResponseSummary)] = []
        for (k, text) in [longResponse, shortResponse, longResponse, longResponse, shortResponse, shortResponse].enumerated() {
            var parser = ResponseHeadParser()
            let head = try #require(response(text, &parser, &slot))
            var fresh = ResponseHeadParser()
            guard case .complete(let expected, _) = fresh.parse(Array(text.utf8)) else {
                Issue.record("the reference parse failed"); return
            }
            #expect(ResponseSummary(head) == ResponseSummary(expected))
            if k % 2 == 0 { held.append((head, ResponseSummary(head))) }
        }
        for (head, summary) in held { #expect(ResponseSummary(head) == summary) }
    }
}
