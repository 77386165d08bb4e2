import HTTP1
import Testing

/// Everything a user of ResponseHead sees, as Strings.
struct ResponseSummary: Equatable, Sendable, CustomStringConvertible {
    var version = "1.1"
    var status = 200
    var reason = "OK"
    var headers: [String] = []
    var contentLength: Int64? = nil
    var keepAlive = true
    /// Framing after a GET and after a HEAD.
    var framing = BodyFraming.untilClose
    var framingAfterHead = BodyFraming.none
    var reusable = false
    var interim = false
    var hasSetCookie = false

    init() {}

    init(_ head: ResponseHead) {
        version = "\(head.version.major).\(head.version.minor)"
        status = head.status
        reason = text(head.bytes(head.reason))
        headers = head.headers.map { text(head.bytes($0.name)) + ": " + text(head.bytes($0.value)) }
        contentLength = head.contentLength
        keepAlive = head.keepAlive
        framing = head.bodyFraming(requestMethod: .get)
        framingAfterHead = head.bodyFraming(requestMethod: .head)
        reusable = head.isReusable(requestMethod: .get)
        interim = head.isInterim
        hasSetCookie = head.hasSetCookie
    }

    var description: String {
        "\(version) \(status) \(reason) \(headers) cl=\(String(describing: contentLength)) ka=\(keepAlive) \(framing)/\(framingAfterHead) reuse=\(reusable) interim=\(interim) setCookie=\(hasSetCookie)"
    }
}

private func response(_ build: (inout ResponseSummary) -> Void) -> Outcome<ResponseSummary> {
    var s = ResponseSummary()
    build(&s)
    return .head(s)
}

func parseResponse(_ input: String, limits: ParserLimits = ParserLimits()) throws -> Outcome<ResponseSummary> {
    switch try ParserVerifier.verify(bytes(input), make: { ResponseHeadParser(limits: limits) }) {
    case .incomplete: return .incomplete
    case .failed(let e): return .error(e.status, e.reason)
    case .complete(let head, let consumed):
        #expect(consumed == input.utf8.count)
        return .head(ResponseSummary(head))
    }
}

struct ResponseParserTests {
    static let valid: [(String, Outcome<ResponseSummary>)] = [
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            response {
                $0.headers = ["Content-Length: 5"]; $0.contentLength = 5; $0.framing = .length(5); $0.reusable = true
            }
        ),
        ("HTTP/1.1 200 OK\r\n\r\n", response { _ in }),
        ("HTTP/1.1 200 OK\n\n", response { _ in }),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            response {
                $0.headers = ["Transfer-Encoding: chunked"]; $0.framing = .chunked; $0.reusable = true
            }
        ),
        (
            "HTTP/1.1 204 No Content\r\n\r\n",
            response {
                $0.status = 204; $0.reason = "No Content"; $0.framing = .none; $0.reusable = true
            }
        ),
        (
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
            response {
                $0.status = 304; $0.reason = "Not Modified"; $0.headers = ["Content-Length: 100"]
                $0.contentLength = 100; $0.framing = .none; $0.reusable = true
            }
        ),
        (
            "HTTP/1.1 100 Continue\r\n\r\n",
            response {
                $0.status = 100; $0.reason = "Continue"; $0.framing = .none; $0.reusable = true; $0.interim = true
            }
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
            response {
                $0.status = 101; $0.reason = "Switching Protocols"; $0.framing = .none; $0.reusable = true
                $0.headers = ["Connection: upgrade", "Upgrade: websocket"]
            }
        ),
        // Missing reason, with and without its space (nginx accepts both).
        (
            "HTTP/1.1 404\r\n\r\n",
            response {
                $0.status = 404; $0.reason = ""
            }
        ),
        (
            "HTTP/1.1 404 \r\n\r\n",
            response {
                $0.status = 404; $0.reason = ""
            }
        ),
        (
            "HTTP/1.1 599 Whatever it\tis\r\n\r\n",
            response {
                $0.status = 599; $0.reason = "Whatever it\tis"
            }
        ),
        (
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            response {
                $0.headers = ["Connection: close", "Content-Length: 0"]; $0.contentLength = 0; $0.keepAlive = false
                $0.framing = .length(0)
            }
        ),
        (
            "HTTP/1.0 200 OK\r\n\r\n",
            response {
                $0.version = "1.0"; $0.keepAlive = false
            }
        ),
        (
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n",
            response {
                $0.version = "1.0"; $0.headers = ["Connection: keep-alive", "Content-Length: 2"]
                $0.contentLength = 2; $0.framing = .length(2); $0.reusable = true
            }
        ),
        // Several Set-Cookie stay separate and in order.
        (
            "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Length: 0\r\nset-cookie: b=2; Path=/\r\nSet-Cookie: c=3\r\n\r\n",
            response {
                $0.headers = ["Set-Cookie: a=1", "Content-Length: 0", "set-cookie: b=2; Path=/", "Set-Cookie: c=3"]
                $0.contentLength = 0; $0.framing = .length(0); $0.reusable = true; $0.hasSetCookie = true
            }
        ),
        // nginx keeps the first of a repeated single-valued field and ignores the rest; list fields stay.
        (
            "HTTP/1.1 200 OK\r\nExpires: foo\r\nexpires: bar\r\nLink: a\r\nLink: b\r\nContent-Length: 0\r\n\r\n",
            response {
                $0.headers = ["Expires: foo", "Link: a", "Link: b", "Content-Length: 0"]
                $0.contentLength = 0; $0.framing = .length(0); $0.reusable = true
            }
        ),
        // Repeats of single-valued fields go in any spelling; request-only "once" fields (Host, If-Match) and
        // Connection stay, and every Connection token counts.
        (
            "HTTP/1.1 200 OK\r\nServer: a\r\nDate: d1\r\nSERVER: b\r\nHost: x\r\nHost: y\r\nIf-Match: 1\r\n"
                + "If-Match: 2\r\nETag: \"1\"\r\nDate: d2\r\netag: \"2\"\r\nConnection: keep-alive\r\n"
                + "Connection: close\r\nContent-Length: 0\r\n\r\n",
            response {
                $0.headers = ["Server: a", "Date: d1", "Host: x", "Host: y", "If-Match: 1", "If-Match: 2", "ETag: \"1\"",
                              "Connection: keep-alive", "Connection: close", "Content-Length: 0"]
                $0.contentLength = 0; $0.framing = .length(0); $0.keepAlive = false
            }
        ),
    ]

    @Test(arguments: valid)
    func parsesResponses(input: String, expected: Outcome<ResponseSummary>) throws {
        #expect(try parseResponse(input) == expected, "\(input.debugDescription)")
    }

    static let invalid: [(String, String)] = [
        ("HTTP/2.0 200 OK\r\n\r\n", "upstream sent no valid HTTP/1.0 header"),
        ("HTTP/1.1 20 OK\r\n\r\n", "upstream sent no valid HTTP/1.0 header"),
        ("HTTP/1.1 2000 OK\r\n\r\n", "upstream sent no valid HTTP/1.0 header"),
        ("HTTP/1.1 099 Low\r\n\r\n", "upstream sent no valid HTTP/1.0 header"),
        ("HTTP/1.1  200 OK\r\n\r\n", "upstream sent no valid HTTP/1.0 header"),
        ("ICY 200 OK\r\n\r\n", "upstream sent no valid HTTP/1.0 header"),
        ("HTTP/1.1 200 O\u{1}K\r\n\r\n", "upstream sent no valid HTTP/1.0 header"),
        ("HTTP/1.1 200 OK\r\n folded\r\n\r\n", "upstream sent invalid header"),
        ("HTTP/1.1 200 OK\r\nX : 1\r\n\r\n", "upstream sent invalid header"),
        ("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "upstream sent invalid header"),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "upstream sent duplicate header line: \"Content-Length\""
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "upstream sent duplicate header line: \"Transfer-Encoding\""
        ),
        ("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", "upstream sent invalid \"Content-Length\" header"),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time"
        ),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "upstream sent unknown \"Transfer-Encoding\""),
    ]

    @Test(arguments: invalid)
    func refusesMalformedResponses(input: String, reason: String) throws {
        #expect(try parseResponse(input) == .error(502, reason), "\(input.debugDescription)")
    }

    @Test func oversizedResponseHeadsAre502() throws {
        let limits = ParserLimits(requestLineMax: 20, headerLineMax: 16, headMax: 40, maxHeaders: 2)
        let rows = [
            "HTTP/1.1 200 A long reason\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Long-Header: 1234\r\n\r\n",
            "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            "HTTP/1.1 200 OK\r\nA: 12345678\r\nB: 12345678\r\n\r\n",
        ]
        for input in rows {
            #expect(
                try parseResponse(input, limits: limits) == .error(502, "upstream sent too big header"),
                "\(input.debugDescription)")
        }
    }

    /// The fields the parser acts on are recognized in any letter case and not when one byte differs: names of
    /// eight bytes and more are compared a word at a time (the last word overlapping).
    @Test func framingFieldsAnyCaseAndNearMisses() throws {
        func upperCased(_ b: UInt8) -> UInt8 { b >= 97 && b <= 122 ? b - 32 : b }
        let lengthName = Array("content-length".utf8)
        for position in lengthName.indices {
            var upper = lengthName
            upper[position] = upperCased(upper[position])
            var mixed = lengthName.map(upperCased)
            mixed[position] = lengthName[position]
            for name in [upper, mixed] {
                let wire = bytes("HTTP/1.1 200 OK\r\n") + name + bytes(": 5\r\n\r\n")
                var parser = ResponseHeadParser()
                guard case .complete(let head, _) = parser.parse(wire) else { Issue.record("\(text(name))"); continue }
                #expect(head.contentLength == 5, "\(text(name))")
            }
            for other in [UInt8(ascii: "x"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "~")] where other != lengthName[position] {
                var near = lengthName
                near[position] = other
                let wire = bytes("HTTP/1.1 200 OK\r\n") + near + bytes(": 5\r\n\r\n")
                var parser = ResponseHeadParser()
                if case .complete(let head, _) = parser.parse(wire) {
                    #expect(head.contentLength == nil, "\(text(near))")
                }
            }
        }
        var parser = ResponseHeadParser()
        let chunked = bytes("HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: CHUNKED\r\nSET-COOKIE: a=b\r\n\r\n")
        guard case .complete(let head, _) = parser.parse(chunked) else { Issue.record("chunked"); return }
        #expect(head.bodyFraming(requestMethod: .get) == .chunked && head.hasSetCookie)
    }

    /// Field names are scanned eight bytes at a time while they hold letters, digits and `-`: every other token
    /// byte, and bytes that are no token byte, at every position of names up to 20 bytes long.
    @Test func fieldNameBytesAtEveryPosition() {
        let tokenBytes = Array("!#$%&'*+.^_`|~".utf8)
        let otherBytes: [UInt8] = [UInt8(ascii: "("), UInt8(ascii: "@"), UInt8(ascii: "{"), UInt8(ascii: "\""),
                                   UInt8(ascii: "/"), 0x7f, 0x80, 0xff, 0x01]
        for length in 1...20 {
            for position in 0..<length {
                for b in tokenBytes + otherBytes {
                    var name = Array("aZ0-".utf8.map { $0 }).cycled(to: length)
                    name[position] = b
                    let wire = bytes("HTTP/1.1 200 OK\r\n") + name + bytes(": v\r\nContent-Length: 0\r\n\r\n")
                    var parser = ResponseHeadParser()
                    let result = parser.parse(wire)
                    if tokenBytes.contains(b) {
                        guard case .complete(let head, _) = result else {
                            Issue.record("\(name) refused: \(result)")
                            continue
                        }
                        #expect(head.headers.count == 2 && Array(head.name(at: 0)) == name)
                    } else {
                        guard case .failed(let e) = result else {
                            Issue.record("\(name) accepted: \(result)")
                            continue
                        }
                        #expect(e.reason == "upstream sent invalid header")
                    }
                }
            }
        }
    }

    @Test func interimThenFinalHeadOnOneConnection() throws {
        let wire = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        var parser = ResponseHeadParser()
        let first = wire.withByteView { parser.parse($0) }
        guard case .complete(let interim, let consumed) = first else {
            Issue.record("\(first)")
            return
        }
        #expect(interim.isInterim && consumed == 25)
        parser.reset()
        let second = wire[consumed...].withByteView { parser.parse($0) }
        guard case .complete(let final, let rest) = second else {
            Issue.record("\(second)")
            return
        }
        #expect(final.status == 201 && !final.isInterim && consumed + rest == wire.count)
        #expect(final.headerValues(named: "content-length").map { text($0) } == ["0"])
    }
}

extension Array where Element == UInt8 {
    /// The bytes repeated until `count` long.
    fileprivate func cycled(to count: Int) -> [UInt8] { (0..<count).map { self[$0 % self.count] } }
}
