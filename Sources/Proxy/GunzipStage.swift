import Config
import Deflate
import EventLoop
import HTTP1

/// The gunzip filter on one response body (BodyFilters.swift): the gzip bytes inflated piece by piece and
/// written to the next filter, or the handler's framing. A body of several gzip members (files concatenated)
/// is inflated member after member, as nginx does. Corrupt or cut input is logged as nginx logs it, what was
/// inflated before it is sent and the rest dropped, and the response never ends: the connection closes on the
/// loop's next turn (outside the producer's callback), without a last chunk, so the client sees a cut body as
/// it does from nginx.
final class GunzipStage: BodyFilter {
    /// Held strongly, as the other filters hold theirs; the handler breaks the cycle at `bodyEnd` or `abort`.
    let next: any BodyOutput
    private let nextFilter: (any BodyFilter)?
    private unowned(unsafe) let request: Request   // the request outlives its filters
    private var inflater: Inflater?
    private var failed = false
    private var aborted = false
    /// Closes the connection of a failed body; dropped (and disarmed) with this stage if the client goes first.
    private var closer: Watcher?
    private var out: [UInt8] = []

    init(request: Request, next: any BodyOutput) {
        self.request = request
        self.next = next
        nextFilter = next as? any BodyFilter
    }

    func bodyWrite(_ piece: ByteView) {
        if failed || piece.isEmpty { return }
        out.removeAll(keepingCapacity: true)
        var used = 0
        while used < piece.count && !failed {
            if inflater == nil || inflater!.isFinished {   // the first member, or one more after the last's end
                do { inflater = try Inflater(format: .gzip) } catch { fail("inflateInit2() failed: \(error)"); break }
            }
            do {
                let n = try inflater!.decode(contiguous: piece.slice(used, piece.count), into: &out)
                if n == 0 && !inflater!.isFinished { break }   // zlib took nothing more: wait for the next piece
                used += n
            } catch {
                fail("inflate() failed: \(error)")
            }
        }
        if !out.isEmpty { out.withByteView { next.bodyWrite($0) } }
    }

    func bodyEnd() {
        if !failed, let inf = inflater, !inf.isFinished {   // the body stopped inside a member
            fail("inflate() returned on response end: the gzip stream is incomplete")
        }
        guard failed else { return next.bodyEnd() }
        let c = request.connection
        closer = Watcher.timer(loop: c.worker.loop) { [unowned c] in c.close() }
        closer!.arm(exactMillis: 0)
    }

    private func fail(_ message: String) {
        failed = true
        let c = request.connection
        c.worker.log(.error, message + " while sending to client", c)
    }

    var bodyCanAcceptOutput: Bool { next.bodyCanAcceptOutput }
    func abort() {
        if aborted { return }
        aborted = true
        nextFilter?.abort()
    }
    var holdsTooMuch: Bool { nextFilter?.holdsTooMuch ?? false }
    func noteProducerHeld() { nextFilter?.noteProducerHeld() }
}
