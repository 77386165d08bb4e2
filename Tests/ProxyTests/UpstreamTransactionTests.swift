import Balancing
import HTTP1
@testable import Proxy
import Testing

/// Collects body pieces.
final class PieceSink: UpstreamBodySink {
    var bytes: [UInt8] = []
    func upstreamBody(_ piece: ByteView) { #expect(!piece.isEmpty); bytes.append(contentsOf: piece) }
}

/// The upstream transaction's state machine without sockets: bytes in, steps out.
struct UpstreamTransactionTests {
    /// A transaction whose request is out, waiting for the answer.
    static func sent(_ method: HTTPMethod = .get, upgrade: Bool = false, limit: Int = 4096) -> UpstreamTransaction {
        var t = UpstreamTransaction(method: method, upgradeRequested: upgrade, headLimit: limit)
        t.connected()
        t.requestSent()
        return t
    }

    /// Feeds `text` whole: the head, then the body; returns the body payload and the last body step.
    static func run(_ t: inout UpstreamTransaction, _ text: String) -> (head: UpstreamTransaction.HeadStep, body: [UInt8], last: UpstreamTransaction.BodyStep?) {
        let bytes = Array(text.utf8)
        return bytes.withByteView { all in
            var v = all
            var h = t.receiveHead(v)
            for _ in 0..<10 {   // interim heads: drop them, as an executor does
                guard case .interim(let n) = h else { break }
                v = v.dropping(n)
                h = t.receiveHead(v)
            }
            guard case .head(_, let consumed) = h, t.state == .body else { return (h, [], nil) }
            let sink = PieceSink()
            let step = t.receiveBody(v.dropping(consumed), to: sink)
            return (h, sink.bytes, step)
        }
    }

    @Test func statesFollowTheRequest() {
        var t = UpstreamTransaction(method: .get, headLimit: 4096)
        #expect(t.state == .connecting)
        t.connected()
        #expect(t.state == .sending)
        t.requestSent()
        #expect(t.state == .awaitingHead)
    }

    @Test func lengthBodyEndsReusable() {
        var t = Self.sent()
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        #expect(String(decoding: r.body, as: UTF8.self) == "hello")
        #expect(r.last == .ended(consumed: 5, reusable: true))
        #expect(t.state == .done)
    }

    /// An answer that came while the request was still going out (a 413 before the body was read): relayed, but
    /// the connection is not reused, whatever its head says, nor after a bodyless answer; a retry starts over.
    @Test func anAnswerBeforeTheRequestWasOutLeavesTheConnectionUnusable() {
        var t = UpstreamTransaction(method: .post, headLimit: 4096)
        t.connected()
        let r = Self.run(&t, "HTTP/1.1 413 Too Large\r\nContent-Length: 4\r\n\r\nnope")
        #expect(String(decoding: r.body, as: UTF8.self) == "nope")
        #expect(r.last == .ended(consumed: 4, reusable: false))
        t.restart(connected: true)
        _ = Self.run(&t, "HTTP/1.1 401 No\r\nContent-Length: 0\r\n\r\n")
        #expect(!t.reusableAfterHead(leftover: 0))
        t.restart(connected: true)
        t.requestSent()
        _ = Self.run(&t, "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(t.reusableAfterHead(leftover: 0))
    }

    @Test func bytesAfterTheBodyMakeTheConnectionUnusable() {
        var t = Self.sent()
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA")
        #expect(r.last == .ended(consumed: 2, reusable: false))
    }

    @Test func connectionCloseIsNotReusable() {
        var t = Self.sent()
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi")
        #expect(r.last == .ended(consumed: 2, reusable: false))
    }

    @Test func chunkedBodyIsDecoded() {
        var t = Self.sent()
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        #expect(String(decoding: r.body, as: UTF8.self) == "abcde")
        if case .ended(_, let reusable) = r.last { #expect(reusable) } else { Issue.record("\(String(describing: r.last))") }
    }

    @Test func invalidChunkedFails() {
        var t = Self.sent()
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        guard case .failed(let f) = r.last else { Issue.record("\(String(describing: r.last))"); return }
        #expect(f.logLine == "upstream sent invalid chunked response while reading upstream")
        #expect(t.state == .failed)
    }

    @Test func closeDelimitedBodyEndsAtEOF() {
        var t = Self.sent()
        let r = Self.run(&t, "HTTP/1.0 200 OK\r\n\r\npart")
        #expect(r.last == .more(consumed: 4))
        #expect(t.closed() == .ended(consumed: 0, reusable: false))
    }

    @Test func eofMidBodyFails() {
        var t = Self.sent()
        _ = Self.run(&t, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart")
        #expect(t.remaining == 6)
        guard case .failed(let f) = t.closed() else { Issue.record("no failure"); return }
        #expect(f.logLine == "upstream prematurely closed connection while reading upstream")
    }

    @Test func eofBeforeTheHeadIsAnError() {
        var t = Self.sent()
        guard case .failed(let f) = t.closed() else { Issue.record("no failure"); return }
        #expect(f.kind == .error)
        #expect(f.logLine == "upstream prematurely closed connection while reading response header from upstream")
    }

    @Test func interimHeadsAreSkipped() {
        var t = Self.sent()
        let r = Self.run(&t, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
        guard case .head(let head, _) = r.head else { Issue.record("\(r.head)"); return }
        #expect(head.status == 200)
        #expect(r.body == [UInt8(ascii: "x")])
    }

    /// Interim heads share the head's limit: an upstream that sends them without end is refused, not followed.
    @Test func endlessInterimHeadsFail() {
        var t = Self.sent(limit: 256)
        let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
        var step = UpstreamTransaction.HeadStep.incomplete
        var heads = 0
        while heads < 100 {
            step = interim.withByteView { t.receiveHead($0) }
            guard case .interim = step else { break }
            heads += 1
        }
        guard case .failed(let f) = step else { Issue.record("\(step) after \(heads) heads"); return }
        #expect(heads == 256 / interim.count)
        #expect(f.kind == .invalidHeader)
        #expect(f.logLine == "upstream sent too big header while reading response header from upstream")
        t.restart(connected: true)   // a retry starts with the whole allowance again
        t.requestSent()
        guard case .head(let h, _) = Self.run(&t, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n").head else {
            Issue.record("no head after the restart"); return
        }
        #expect(h.status == 204)
    }

    /// A head split at every byte parses the same.
    @Test func headSplitAnywhere() {
        let text = Array("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n".utf8)
        for cut in 1..<text.count {
            var t = Self.sent()
            let first = Array(text[..<cut]).withByteView { t.receiveHead($0) }
            #expect(first == .incomplete, "cut \(cut)")
            let second = text.withByteView { t.receiveHead($0) }
            guard case .head(let h, let consumed) = second else { Issue.record("cut \(cut): \(second)"); continue }
            #expect(h.status == 204 && consumed == text.count)
            #expect(t.state == .done && t.reusableAfterHead(leftover: 0))
        }
    }

    @Test func headAnswerHasNoBody() {
        var t = Self.sent(.head)
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        guard case .head = r.head else { Issue.record("\(r.head)"); return }
        #expect(t.state == .done && t.framing == .none)
    }

    @Test func tooBigHeadFails() {
        var t = Self.sent(limit: 64)
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 100))
        guard case .failed(let f) = r.head else { Issue.record("\(r.head)"); return }
        #expect(f.kind == .invalidHeader)
        #expect(f.logLine == "upstream sent too big header while reading response header from upstream")
    }

    @Test func garbageHeadFails() {
        var t = Self.sent()
        let r = Self.run(&t, "SSH-2.0-OpenSSH\r\n\r\n")
        guard case .failed(let f) = r.head else { Issue.record("\(r.head)"); return }
        #expect(f.kind == .invalidHeader)
    }

    @Test func timeoutsNameTheirPhase() {
        var a = UpstreamTransaction(method: .get, headLimit: 4096)
        #expect(a.timedOut().logLine == "upstream timed out (110: Connection timed out) while connecting to upstream")
        var b = UpstreamTransaction(method: .get, headLimit: 4096)
        b.connected()
        let f = b.timedOut()
        #expect(f.kind == .timeout && f.whileText == "while sending request to upstream")
    }

    /// The Upgrade exit: a 101 to a request that asked for it hands over the connection with the bytes past the
    /// head. Without the request asking, a 101 is an ordinary bodyless answer, but its connection is never
    /// reused: the bytes after it are another protocol's (it went back to the pool with them).
    @Test func switchingProtocolsEndsInTheUpgradeExit() {
        var t = Self.sent(upgrade: true)
        let text = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u{81}\u{2}hi".utf8)
        let step = text.withByteView { t.receiveHead($0) }
        guard case .upgrade(let h, let consumed) = step else { Issue.record("\(step)"); return }
        #expect(h.status == 101)
        #expect(text.count - consumed == 5)   // the frame already read stays for the tunnel (0x81 is 2 UTF-8 bytes)
        #expect(t.state == .upgraded)

        var plain = Self.sent(upgrade: false)
        let r = Self.run(&plain, "HTTP/1.1 101 Switching Protocols\r\n\r\n")
        guard case .head(let h2, _) = r.head else { Issue.record("\(r.head)"); return }
        #expect(h2.status == 101 && plain.state == .done)
        #expect(!plain.reusableAfterHead(leftover: 0))
    }

    @Test func restartForgetsTheLastTry() {
        var t = Self.sent()
        _ = Self.run(&t, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart")
        t.restart(connected: false)
        #expect(t.state == .connecting && !t.keepAlive && t.remaining == 0)
        t.connected(); t.requestSent()
        let r = Self.run(&t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        #expect(r.last == .ended(consumed: 2, reusable: true))
    }
}

/// The transaction's FastCGI side: records in, the CGI head as an HTTP head, stdout as the body, the end.
struct FastCGITransactionTests {
    static func record(_ type: UInt8, _ text: String) -> [UInt8] {
        let c = Array(text.utf8), pad = (8 - c.count % 8) % 8
        return [1, type, 0, 1, UInt8(c.count >> 8), UInt8(c.count & 0xff), UInt8(pad), 0] + c + [UInt8](repeating: 0, count: pad)
    }
    static let end: [UInt8] = record(6, "") + [1, 3, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

    /// Feeds `bytes` cut at `cut` as an executor does (the used bytes dropped); the status, body, end and stderr.
    static func run(_ bytes: [UInt8], cut: Int, keepConn: Bool) -> (status: Int?, body: String, reusable: Bool?, stderr: [String], failure: String?) {
        var t = UpstreamTransaction(method: .get, headLimit: 4096)
        t.speakCGI(records: true, keepConn: keepConn)
        t.connected(); t.requestSent()
        var pending: [UInt8] = [], status: Int? = nil, reusable: Bool? = nil, stderr: [String] = []
        let sink = PieceSink()
        for piece in [Array(bytes.prefix(cut)), Array(bytes.dropFirst(cut))] {
            pending += piece
            while t.state == .awaitingHead {
                let step = pending.withByteView { t.receiveHead($0) }
                stderr += t.takeStderr().map { String(decoding: $0, as: UTF8.self) }
                switch step {
                case .interim(let n): pending.removeFirst(n); continue
                case .head(let h, let n): status = h.status; pending.removeFirst(n)
                case .failed(let f): return (status, "", nil, stderr, f.reason)
                default: break
                }
                break
            }
            if t.state == .body {
                switch pending.withByteView({ t.receiveBody($0, to: sink) }) {
                case .more(let n): pending.removeFirst(n)
                case .ended(let n, let r): pending.removeFirst(n); reusable = r
                case .failed(let f): return (status, "", nil, stderr, f.reason)
                }
                stderr += t.takeStderr().map { String(decoding: $0, as: UTF8.self) }
            }
        }
        return (status, String(decoding: sink.bytes, as: UTF8.self), reusable, stderr, nil)
    }

    @Test func headAndBodyCutAnywhere() {
        let bytes = Self.record(7, "early") + Self.record(6, "Status: 404 Not Found\r\nContent-") + Self.record(6, "Type: text/html\r\n\r\nnot ")
            + Self.record(7, "late") + Self.record(6, "found") + Self.end
        for cut in 0...bytes.count {
            let r = Self.run(bytes, cut: cut, keepConn: true)
            #expect(r.status == 404 && r.body == "not found" && r.reusable == true && r.failure == nil, "cut \(cut)")
            #expect(r.stderr.joined() == "earlylate", "cut \(cut)")
        }
        #expect(Self.run(bytes, cut: 0, keepConn: false).reusable == false)
    }

    @Test func contentLengthBoundsTheBodyAndAShortOneFails() {
        let long = Self.record(6, "Content-Length: 3\r\n\r\nabcdef") + Self.end
        #expect(Self.run(long, cut: 0, keepConn: false).body == "abc")
        let short = Self.record(6, "Content-Length: 9\r\n\r\nabc") + Self.end
        #expect(Self.run(short, cut: 0, keepConn: false).failure == "upstream prematurely closed FastCGI request")
    }

    @Test func malformedAnswersFailTheHead() {
        #expect(Self.run(Self.end, cut: 0, keepConn: false).failure == "upstream prematurely closed FastCGI stdout")
        #expect(Self.run(Array("HTTP/1.1 200 OK\r\n\r\n".utf8), cut: 3, keepConn: false).failure
                == "upstream sent unsupported FastCGI protocol version: 72")
        #expect(Self.run(Self.record(6, "Status: nope\r\n\r\n"), cut: 0, keepConn: false).failure == "upstream sent invalid status \"nope\"")
        let huge = Self.record(6, "X-Big: " + String(repeating: "x", count: 5000))
        #expect(Self.run(huge, cut: 0, keepConn: false).failure == "upstream sent too big header")
    }
}

/// The transaction's uwsgi and SCGI side: the head on the bare stream (a status line or CGI fields), the body
/// until a Content-Length is read or the connection closes, never reusable.
struct CGIStreamTransactionTests {
    /// Feeds `bytes` cut at `cut` as an executor does (the used bytes dropped), then the connection's close.
    static func run(_ bytes: [UInt8], cut: Int, method: HTTPMethod = .get) -> (status: Int?, body: String, reusable: Bool?, failure: String?) {
        var t = UpstreamTransaction(method: method, headLimit: 4096)
        t.speakCGI(records: false)
        t.connected(); t.requestSent()
        var pending: [UInt8] = [], status: Int? = nil, reusable: Bool? = nil
        let sink = PieceSink()
        for piece in [Array(bytes.prefix(cut)), Array(bytes.dropFirst(cut))] {
            pending += piece
            while t.state == .awaitingHead {
                switch pending.withByteView({ t.receiveHead($0) }) {
                case .interim(let n): pending.removeFirst(n); continue
                case .head(let h, let n):
                    status = h.status; pending.removeFirst(n)
                    if t.state == .done { reusable = t.reusableAfterHead(leftover: pending.count) }
                case .failed(let f): return (status, "", nil, f.reason)
                default: break
                }
                break
            }
            if t.state == .body {
                switch pending.withByteView({ t.receiveBody($0, to: sink) }) {
                case .more(let n): pending.removeFirst(n)
                case .ended(let n, let r): pending.removeFirst(n); reusable = r
                case .failed(let f): return (status, "", nil, f.reason)
                }
            }
        }
        if t.state == .body || t.state == .awaitingHead {
            switch t.closed() {
            case .ended(_, let r): reusable = r
            case .failed(let f): return (status, String(decoding: sink.bytes, as: UTF8.self), nil, f.reason)
            default: break
            }
        }
        return (status, String(decoding: sink.bytes, as: UTF8.self), reusable, nil)
    }

    @Test func aStatusLineOrCGIHeadCutAnywhereThenTheBodyUntilClose() {
        for text in ["HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\nnot found",
                     "Status: 404 Not Found\nContent-Type: text/html\n\nnot found"] {
            let bytes = Array(text.utf8)
            for cut in 0...bytes.count {
                let r = Self.run(bytes, cut: cut)
                #expect(r.status == 404 && r.body == "not found" && r.reusable == false && r.failure == nil, "\(cut)")
            }
        }
    }

    @Test func contentLengthBoundsTheBodyAndAShortOneFails() {
        #expect(Self.run(Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef".utf8), cut: 0).body == "abc")
        #expect(Self.run(Array("Content-Length: 0\r\n\r\n".utf8), cut: 0).reusable == false)
        let short = Self.run(Array("Content-Length: 9\r\n\r\nabc".utf8), cut: 0)
        #expect(short.failure == "upstream prematurely closed connection")
        let head = Self.run(Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc".utf8), cut: 5, method: .head)
        #expect(head.status == 200 && head.body == "" && head.reusable == false)
    }

    @Test func malformedAnswersFailTheHead() {
        #expect(Self.run([], cut: 0).failure == "upstream prematurely closed connection")
        #expect(Self.run(Array("HTTP/1.1 200 OK\r\nX: 1\r\n".utf8), cut: 4).failure == "upstream prematurely closed connection")
        #expect(Self.run(Array("bad line\r\n\r\n".utf8), cut: 3).failure == "upstream sent invalid header")
        #expect(Self.run(Array("Status: nope\r\n\r\n".utf8), cut: 0).failure == "upstream sent invalid status \"nope\"")
        let huge = Array(("X-Big: " + String(repeating: "x", count: 5000)).utf8)
        #expect(Self.run(huge, cut: 100).failure == "upstream sent too big header")
    }
}
