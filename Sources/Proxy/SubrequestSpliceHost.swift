/// What a subrequest's splice (SSIInclude) writes into: the parent's response at the place the subrequest was
/// made. SSI's `include` and the addition filter's before/after bodies both splice this way; the host keeps the
/// order (a splice first in line streams, the others hold their body) and hears when one completes.
protocol SubrequestSpliceHost: AnyObject {
    /// The parent request (its connection logs, its sink's producer pauses).
    var request: Request { get }
    /// Where a streaming splice's body goes: the parent's body path after the host.
    var output: any BodyOutput { get }
    /// Whether `inc` is first in line: its body may go straight out.
    func isStreaming(_ inc: SSIInclude) -> Bool
    /// `inc` completed: what waited behind it goes on.
    func includeDone(_ inc: SSIInclude)
}
