/// What one call to a head parser found.
/// ```
/// switch parser.parse(buffer) {
/// case .incomplete: readMore()
/// case .complete(let head, let consumed): handle(head); buffer.removeFirst(consumed)
/// case .failed(let error): respond(error.status)
/// }
/// ```
public enum HeadParseResult<Head: Sendable>: Sendable {
    /// The head has not ended yet: call again with the same bytes plus more.
    case incomplete
    /// The head ended; `consumed` bytes of the buffer (leading empty lines included) belong to it.
    case complete(Head, consumed: Int)
    /// The head is malformed or too large; answer `error.status` and close.
    case failed(HTTPParseError)
}

extension HeadParseResult: Equatable where Head: Equatable {}
