import HTTP1
import Testing

/// The FastCGI record codec and the CGI head, without sockets: bytes written by hand on one side.
struct FastCGICodecTests {
    private static func record(_ type: UInt8, _ content: [UInt8], padding: Int? = nil, id: UInt8 = 1) -> [UInt8] {
        let pad = padding ?? (8 - content.count % 8) % 8
        return [1, type, 0, id, UInt8(content.count >> 8), UInt8(content.count & 0xff), UInt8(pad), 0] + content
            + [UInt8](repeating: 0, count: pad)
    }

    @Test func beginRequestIsTheResponderRoleWithKeepConnAsAsked() {
        var out: [UInt8] = []
        FastCGI.appendBeginRequest(keepConn: false, to: &out)
        #expect(out == [1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        out = []
        FastCGI.appendBeginRequest(keepConn: true, to: &out)
        #expect(out[10] == 1)
    }

    @Test func pairLengthsUseFourBytesPast127() {
        var out: [UInt8] = []
        FastCGI.appendPair(name: Array("A".utf8), value: [UInt8](repeating: 120, count: 127), to: &out)
        #expect(Array(out.prefix(2)) == [1, 127])
        out = []
        FastCGI.appendPair(name: Array("A".utf8), value: [UInt8](repeating: 120, count: 300), to: &out)
        #expect(Array(out.prefix(5)) == [1, 0x80, 0, 1, 44])
        #expect(FastCGI.decodePairs(out)?.first?.value.count == 300)
        #expect(FastCGI.decodePairs([5, 0, 65]) == nil)   // a name longer than the bytes
    }

    @Test func headerParamNamesAreNginxs() {
        var out: [UInt8] = []
        Array("x-Forwarded-for".utf8).withByteView { FastCGI.appendHeaderParamName($0, to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "HTTP_X_FORWARDED_FOR")
    }

    @Test func recordsArePaddedAndSplitAt65528() {
        var out: [UInt8] = []
        Array("hello".utf8).withByteView { FastCGI.appendRecords(.stdin, $0, to: &out) }
        #expect(out == Self.record(5, Array("hello".utf8)))
        out = []
        let big = [UInt8](repeating: 7, count: 70_000)
        big.withByteView { FastCGI.appendRecords(.params, $0, to: &out) }
        #expect(Array(out[4..<7]) == [0xff, 0xf8, 0])   // 65528, no padding
        let second = 8 + 65528
        #expect(Int(out[second + 4]) << 8 | Int(out[second + 5]) == 70_000 - 65528)
        #expect(out.count == 8 + 65528 + 8 + 4472 + 0)
        out = []
        [UInt8]().withByteView { FastCGI.appendRecords(.stdin, $0, to: &out) }
        #expect(out == [1, 5, 0, 1, 0, 0, 0, 0])
    }

    /// Reads a response fed in pieces cut at `cut`: the stdout and stderr bytes, and whether it ended.
    private static func read(_ bytes: [UInt8], cut: Int) -> (stdout: [UInt8], stderr: [UInt8], ended: Bool, error: String?) {
        var reader = FastCGIRecordReader()
        var pending: [UInt8] = []
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        for piece in [Array(bytes.prefix(cut)), Array(bytes.dropFirst(cut))] {
            pending += piece
            var at = 0
            loop: while true {
                let (event, next) = pending.withByteView { reader.step($0, at: at) }
                switch event {
                case .needMore: at = next; break loop
                case .invalid(let text): return (stdout, stderr, false, text)
                case .stdout(let s, let n): stdout += pending[s..<s + n]
                case .stderr(let s, let n): stderr += pending[s..<s + n]
                case .endRequest: return (stdout, stderr, true, nil)
                }
                at = next
            }
            pending.removeFirst(at)
        }
        return (stdout, stderr, false, nil)
    }

    @Test func readerTakesRecordsCutAnywhere() {
        let response = Self.record(7, Array("warn".utf8)) + Self.record(6, Array("Status: 200\r\n\r\nbody".utf8))
            + Self.record(6, Array("more".utf8), padding: 3) + Self.record(6, []) + Self.record(3, [0, 0, 0, 0, 0, 0, 0, 0])
        for cut in 0...response.count {
            let r = Self.read(response, cut: cut)
            #expect(r.error == nil && r.ended, "cut \(cut)")
            #expect(String(decoding: r.stdout, as: UTF8.self) == "Status: 200\r\n\r\nbodymore", "cut \(cut)")
            #expect(String(decoding: r.stderr, as: UTF8.self) == "warn", "cut \(cut)")
        }
    }

    @Test func readerRefusesWhatNginxRefuses() {
        #expect(Self.read([2, 6, 0, 1, 0, 0, 0, 0], cut: 8).error == "upstream sent unsupported FastCGI protocol version: 2")
        #expect(Self.read([1, 9, 0, 1, 0, 0, 0, 0], cut: 8).error == "upstream sent invalid FastCGI record type: 9")
        #expect(Self.read([1, 6, 1, 1, 0, 0, 0, 0], cut: 8).error == "upstream sent unexpected FastCGI request id high byte: 1")
        #expect(Self.read([1, 6, 0, 2, 0, 0, 0, 0], cut: 8).error == "upstream sent unexpected FastCGI request id low byte: 2")
        #expect(Self.read(Array("HTTP/1.1 200 OK\r\n\r\n".utf8), cut: 5).error == "upstream sent unsupported FastCGI protocol version: 72")
    }

    @Test func unreadGivesBytesBackToTheNextStep() {
        var reader = FastCGIRecordReader()
        let bytes = Self.record(6, Array("headbody".utf8))
        bytes.withByteView { v in
            let (event, next) = reader.step(v, at: 0)
            #expect(event == .stdout(at: 8, count: 8) && next == 16)
            reader.unread(4)
            #expect(reader.step(v, at: 12).0 == .stdout(at: 12, count: 4))
        }
    }

    @Test func stderrIsTrimmedAsNginxLogsIt() {
        Array("PHP Warning: x.\n \r\n".utf8).withByteView {
            #expect(String(decoding: FastCGIRecordReader.trimmedStderr($0), as: UTF8.self) == "PHP Warning: x")
        }
    }

    private static func head(_ text: String) -> (head: String?, status: Int?, error: String?, rest: Int?) {
        var h = CGIHead()
        let bytes = Array(text.utf8)
        guard case .complete(let used) = bytes.withByteView({ h.take($0) }) else { return (nil, nil, nil, nil) }
        let r = h.httpHeadOrError()
        return (r.head.map { String(decoding: $0.head, as: UTF8.self) }, r.head?.status, r.error, bytes.count - used)
    }

    @Test func statusLocationAndDefault() {
        let notFound = Self.head("Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\nbody")
        #expect(notFound.head == "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n")
        #expect(notFound.status == 404 && notFound.rest == 4)
        let moved = Self.head("Location: /login\n\n")
        #expect(moved.head == "HTTP/1.1 302 Moved Temporarily\r\nLocation: /login\r\n\r\n")
        #expect(Self.head("Location: /x\r\nStatus: 301\r\n\r\n").head == "HTTP/1.1 301 \r\nLocation: /x\r\n\r\n")
        #expect(Self.head("X-Powered-By: PHP\r\n\r\n").head == "HTTP/1.1 200 OK\r\nX-Powered-By: PHP\r\n\r\n")
        #expect(Self.head("\r\nbody").head == "HTTP/1.1 200 OK\r\n\r\n")
    }

    @Test func invalidStatusAndFields() {
        #expect(Self.head("Status: abc\r\n\r\n").error == "upstream sent invalid status \"abc\"")
        #expect(Self.head("no colon here\r\n\r\n").error == "upstream sent invalid header")
        #expect(Self.head("Bad Name: v\r\n\r\n").error == "upstream sent invalid header")
    }

    @Test func headCutAtEveryByte() {
        let text = Array("Status: 201 Created\r\nX-A: 1\r\n\r\nrest".utf8)
        for cut in 0...text.count {
            var h = CGIHead()
            var result = Array(text.prefix(cut)).withByteView { h.take($0) }
            var body = text.count   // the bytes after the head, counted over both pieces
            if result == .incomplete {
                result = Array(text.dropFirst(cut)).withByteView { h.take($0) }
                body = text.count - cut
            }
            guard case .complete(let used) = result else { Issue.record("cut \(cut)"); continue }
            #expect(body - used == 4, "cut \(cut)")
            #expect(String(decoding: h.bytes, as: UTF8.self) == "Status: 201 Created\r\nX-A: 1\r\n\r\n", "cut \(cut)")
            #expect(h.httpHeadOrError().head?.status == 201)
        }
    }

    /// An answer whose first line is empty has no fields: the body is everything after that line end, even when
    /// it starts with CR LF (found by the fastcgi fuzz target: whole, "\n\r\n" was taken for the block).
    @Test func aBlockStartingWithItsBlankLineEndsThere() {
        for (text, used) in [("\n\r\n<html>", 1), ("\r\n\r\nbody", 2), ("\nX: 1\n\n", 1)] {
            let bytes = Array(text.utf8)
            var whole = CGIHead()
            #expect(bytes.withByteView { whole.take($0) } == .complete(used: used), "\(text.debugDescription)")
            var split = CGIHead()
            #expect(Array(bytes.prefix(1)).withByteView { split.take($0) }
                    == (bytes[0] == 10 ? .complete(used: 1) : .incomplete), "\(text.debugDescription)")
            #expect(whole.httpHeadOrError().head?.status == 200)
        }
    }
}
