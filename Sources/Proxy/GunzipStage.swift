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
///
/// Memory stays bounded whatever the body inflates to (gzip reaches a thousand to one): at most
/// `gunzip_buffers` of output is made per step, and while the client takes no more the stage holds the input
/// it has not inflated yet and tells the producer to pause (`holdsTooMuch`). The producer, woken by the
/// client's drain, calls `continueOutput` before it reads more; the end waits until everything is inflated.
final class GunzipStage: BodyFilter {
    /// Held strongly, as the other filters hold theirs; the handler breaks the cycle at `bodyEnd` or `abort`.
    let next: any BodyOutput
    private let nextFilter: (any BodyFilter)?
    private unowned(unsafe) let request: Request   // the request outlives its filters
    /// Inflated bytes made per step (nginx's gunzip_buffers: number × size).
    private let stepOutput: Int
    private var inflater: Inflater?
    private var failed = false
    private var aborted = false
    /// Closes the connection of a failed body; dropped (and disarmed) with this stage if the client goes first.
    private var closer: Watcher?
    private var out: [UInt8] = []
    /// Input not inflated yet: what was left when the client stopped taking output, and what the producer
    /// wrote before it paused.
    private var pending: [UInt8] = []
    /// The last step stopped at `stepOutput`: zlib may hold more output for input it already took.
    private var draining = false
    /// The producer's end arrived; passed on once nothing is held.
    private var inputEnded = false
    /// A step is writing to the next filter: input arriving meanwhile waits behind `pending`.
    private var stepping = false

    init(request: Request, next: any BodyOutput) {
        self.request = request
        self.next = next
        nextFilter = next as? any BodyFilter
        stepOutput = request.location.gunzip?.stepOutput ?? GunzipRuntime.defaultStepOutput
    }

    private var holding: Bool { !pending.isEmpty || draining }

    func bodyWrite(_ piece: ByteView) {
        if failed || aborted || inputEnded || piece.isEmpty { return }
        if holding || stepping { pending.append(contentsOf: piece); return }
        let used = inflate(piece)
        // Before anything written meanwhile (a re-entrant write waits behind the step).
        if used < piece.count && !failed && !aborted { pending.insert(contentsOf: Array(piece.slice(used, piece.count)), at: 0) }
    }

    func bodyEnd() {
        if inputEnded || aborted { return }
        inputEnded = true
        if !failed && holding { return }   // continueOutput ends it
        end()
    }

    /// The client drained: inflate what is held while it takes output, then end the body if the producer has.
    func continueOutput() {
        guard holding, !stepping, !failed, !aborted, canWrite else { return }
        let input = pending
        pending = []
        let used = input.withByteView { inflate($0) }
        if aborted { return }
        if !failed && used < input.count { pending.insert(contentsOf: input[used...], at: 0) }
        if inputEnded && (failed || !holding) { end() }
    }

    /// Inflates from `input` a step at a time while the next filter takes output; returns how much was used.
    private func inflate(_ input: ByteView) -> Int {
        stepping = true
        defer { stepping = false }
        var used = 0
        while !failed && !aborted {
            if inflater == nil || inflater!.isFinished {   // the first member, or one more after the last's end
                if used == input.count { break }
                do { inflater = try Inflater(format: .gzip) } catch { fail("inflateInit2() failed: \(error)"); break }
            }
            out.removeAll(keepingCapacity: true)
            let n: Int
            do { n = try inflater!.decode(contiguous: input.slice(used, input.count), into: &out, limit: stepOutput) } catch {
                fail("inflate() failed: \(error)")
                break
            }
            used += n
            draining = out.count >= stepOutput && !inflater!.isFinished
            if !out.isEmpty { out.withByteView { next.bodyWrite($0) } }
            if used == input.count && !draining { break }
            if n == 0 && out.isEmpty && !draining && !inflater!.isFinished {   // zlib neither took input nor made output
                fail("inflate() made no progress")
                break
            }
            if !canWrite { break }   // the client takes no more: the rest waits for its drain
        }
        return used
    }

    private var canWrite: Bool { next.bodyCanAcceptOutput && nextFilter?.holdsTooMuch != true }

    private func end() {
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
        pending = []
        draining = false
        let c = request.connection
        c.worker.log(.error, message + " while sending to client", c)
    }

    var bodyCanAcceptOutput: Bool { !holding && next.bodyCanAcceptOutput }
    func abort() {
        if aborted { return }
        aborted = true
        pending = []
        nextFilter?.abort()
    }
    var holdsTooMuch: Bool { holding || nextFilter?.holdsTooMuch == true }
    func noteProducerHeld() { nextFilter?.noteProducerHeld() }
}
