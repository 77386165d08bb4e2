/// The state of one request's walk over the peers, kept by the engine across its tries
/// (nginx's per-request peer data): the tried set, whether the walk moved on to the backups,
/// and where a hash method's rehash chain stands.
///
///     var state = PickState()
///     while let pick = lb.pick(ctx, state: &state, now: clock.now) { … }
public struct PickState: Sendable {
    /// Every peer picked so far in this request; `pick` adds to it.
    public internal(set) var tried = TriedSet()
    /// How many peers `pick` returned in this request.
    public internal(set) var picks = 0
    /// nginx switches to the backup list once every primary is unusable and stays there.
    var inBackups = false
    var hashStarted = false
    /// ip_hash's running hash, `hash`'s accumulated value, or `hash consistent`'s point index.
    var hash: UInt = 0
    var rehash = 0
    var hashTries = 0

    public init() {}

    mutating func record(_ index: Int) {
        tried.insert(index)
        picks += 1
    }
}
