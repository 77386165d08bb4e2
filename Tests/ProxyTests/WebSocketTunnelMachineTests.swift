@testable import Proxy
import Testing

/// The tunnel's decisions, without sockets: what it reads, writes, shuts and waits for after each event.
struct WebSocketTunnelMachineTests {
    typealias M = TunnelMachine

    /// Runs `m` until it waits or closes, answering reads and writes from the scripted results (a read with no
    /// script would block; a write with no script takes everything). Returns the actions taken.
    static func drive(_ m: inout M, reads: [M.Flow: [M.ReadResult]] = [:], writes: [M.Flow: [M.WriteResult]] = [:],
                      limit: Int = 100) -> [M.Action] {
        var reads = reads, writes = writes, done: [M.Action] = []
        for _ in 0..<limit {
            let a = m.next()
            done.append(a)
            switch a {
            case .read(let f, _):
                let r = reads[f]?.isEmpty == false ? reads[f]!.removeFirst() : .wouldBlock
                m.didRead(f, r)
            case .write(let f):
                let w = writes[f]?.isEmpty == false ? writes[f]!.removeFirst() : .wrote(m[f].buffered)
                m.didWrite(f, w)
            case .shutdownWrite(let f): m.didShutdown(f)
            case .wait, .close: return done
            }
        }
        return done
    }

    @Test func pendingBytesGoOutBeforeAnythingIsRead() {
        var m = M(limit: 1000, pendingDown: 120, pendingUp: 7)
        #expect(m.next() == .write(.down))
        m.didWrite(.down, .wrote(120))
        #expect(m.next() == .write(.up))
        m.didWrite(.up, .wrote(7))
        #expect(m.next() == .read(.down, max: 1000))
    }

    @Test func bytesReadOneWayAreWrittenTheOtherWay() {
        var m = M(limit: 1000)
        let actions = Self.drive(&m, reads: [.down: [.bytes(10)], .up: [.bytes(5)]])
        #expect(actions == [.read(.down, max: 1000), .write(.down), .read(.down, max: 1000),
                            .read(.up, max: 1000), .write(.up), .read(.up, max: 1000),
                            .wait(M.Interest(readClient: true, readUpstream: true))])
    }

    @Test func aBlockedSinkStopsItsSourceOnceTheBufferIsFull() {
        var m = M(limit: 100)
        let actions = Self.drive(&m, reads: [.down: [.bytes(60), .bytes(40)]], writes: [.down: [.wouldBlock]])
        // The client would not take the first 60 bytes: the upstream is read up to the limit, then not at all.
        #expect(actions.last == .wait(M.Interest(readClient: true, readUpstream: false, writeClient: true)))
        #expect(m[.down].buffered == 100)
        // The client drains: writing resumes, then reading.
        m.clientWritable()
        #expect(m.next() == .write(.down))
        m.didWrite(.down, .wrote(100))
        #expect(m.next() == .read(.down, max: 100))
    }

    @Test func aShortWriteWaitsForWritability() {
        var m = M(limit: 100, pendingDown: 50)
        m.didWrite(.down, .wrote(20))
        #expect(m[.down].sinkReady == false)
        #expect(m.next() == .read(.down, max: 70))
        m.didRead(.down, .wouldBlock)
        m.didRead(.up, .wouldBlock)
        #expect(m.next() == .wait(M.Interest(readClient: true, readUpstream: true, writeClient: true)))
    }

    @Test func theUpstreamsEOFHalfClosesTheClientAfterItsBytes() {
        var m = M(limit: 100)
        let actions = Self.drive(&m, reads: [.down: [.bytes(30), .end]], writes: [.down: [.wouldBlock]])
        // EOF seen while 30 bytes wait: no shutdown yet, and the upstream is not read again.
        #expect(!actions.contains(.shutdownWrite(.down)))
        #expect(actions.last == .wait(M.Interest(readClient: true, writeClient: true)))
        m.clientWritable()
        let more = Self.drive(&m)
        #expect(more.prefix(2) == [.write(.down), .shutdownWrite(.down)])
        // The other way stays open: the client may still speak.
        #expect(more.last == .wait(M.Interest(readClient: true)))
        #expect(!m.isClosed)
    }

    @Test func bothWaysEndedClosesTheTunnel() {
        var m = M(limit: 100)
        _ = Self.drive(&m, reads: [.down: [.end]])
        m.clientReadable()
        let actions = Self.drive(&m, reads: [.up: [.bytes(3), .end]])
        #expect(actions == [.read(.up, max: 100), .write(.up), .read(.up, max: 100), .shutdownWrite(.up), .close(.done)])
    }

    @Test func aShortReadWaitsForReadinessInsteadOfReadingAgain() {
        var m = M(limit: 100)
        let actions = Self.drive(&m, reads: [.down: [.drained(10)], .up: [.wouldBlock]])
        #expect(actions == [.read(.down, max: 100), .write(.down), .read(.up, max: 100),
                            .wait(M.Interest(readClient: true, readUpstream: true))])
        m.upstreamReadable()
        #expect(m.next() == .read(.down, max: 100))
    }

    @Test func errorsCloseAtOnceEvenWithBytesWaiting() {
        var m = M(limit: 100, pendingDown: 10)
        m.didRead(.up, .failed)
        #expect(m.next() == .close(.readFailed(.up)))
        var w = M(limit: 100, pendingUp: 10)
        w.didWrite(.up, .failed)
        #expect(w.next() == .close(.writeFailed(.up)))
    }

    @Test func theFirstEndingStands() {
        var m = M(limit: 100)
        m.timedOut(.idle)
        m.abort()
        m.didRead(.down, .failed)
        #expect(m.next() == .close(.idle))
        #expect(m.isClosed)
    }

    @Test func aBudgetSpentWaitsForWhatIsStillWanted() {
        // With both ways still busy the interest names both sources (level-triggered readiness resumes them).
        var m = M(limit: 100)
        m.didRead(.down, .bytes(10))
        #expect(m.interest == M.Interest(readClient: true, readUpstream: true, writeClient: true))
    }
}
