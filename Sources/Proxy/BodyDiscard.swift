import EventLoop
import HTTP1

/// A request body that nothing reads (a `return`, a static file, an error page, a cache HIT): nginx's discard.
/// Its bytes are skipped as they come, so a request pipelined or kept alive behind it is parsed from its own
/// first byte, and the connection stays open. A chunked body is still decoded: bad framing is a 400.
struct BodyDiscard {
    enum Step: Equatable { case done, more, invalid }

    private var remaining: Int64
    private var decoder: ChunkedDecoder?

    /// Nil when the request has no body to skip.
    init?(_ framing: BodyFraming) {
        switch framing {
        case .length(let n) where n > 0: remaining = n; decoder = nil
        case .chunked: remaining = 0; decoder = ChunkedDecoder()
        default: return nil
        }
    }

    /// Drops the body bytes `input` holds (and only those). Returns how many it took and what is left to do.
    mutating func skip(_ input: ByteView) -> (consumed: Int, step: Step) {
        guard decoder != nil else {
            let n = Int(min(Int64(input.count), remaining))
            remaining -= Int64(n)
            return (n, remaining == 0 ? .done : .more)
        }
        do {
            let r = try decoder!.decode(input) { _ in }
            return (r.consumed, r.finished ? .done : .more)
        } catch {
            return (0, .invalid)
        }
    }
}

extension BodyDiscard {
    /// Skips what the connection's input holds of the body.
    mutating func skip(_ input: IOBuffer) -> Step {
        let (n, step) = skip(input.view)
        input.consume(n)
        return step
    }
}
