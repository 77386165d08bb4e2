/// Connections of one worker waiting for a request head, in the order they started waiting (nginx's
/// reusable-connections queue, extended to half-sent heads). A worker out of connection slots closes from the
/// front, oldest first; one timer at the front's deadline enforces `client_header_timeout` for every queued
/// connection, so a head trickled byte by byte cannot push its own deadline back.
///
/// Intrusive: the links live in the connections, so joining and leaving cost no allocation. A connection is
/// in at most one queue; `ClientConnection.waiting` says which.
///
/// The links are unowned(unsafe): the worker's table owns every queued connection,
/// and `close()` leaves its queue before the table lets it go. Strong links cost 5 retains and 8 releases a
/// keep-alive request (callgrind, return200).
final class WaitQueue {
    private(set) unowned(unsafe) var first: ClientConnection?
    private unowned(unsafe) var last: ClientConnection?
    private(set) var count = 0

    /// Appends `c` (in no queue) as the newest.
    func append(_ c: ClientConnection, since nanos: UInt64) {
        c.waitingSince = nanos
        c.waitPrev = last
        c.waitNext = nil
        if let l = last { l.waitNext = c } else { first = c }
        last = c
        count += 1
    }

    /// Unlinks `c`, which is in this queue.
    func remove(_ c: ClientConnection) {
        if let p = c.waitPrev { p.waitNext = c.waitNext } else { first = c.waitNext }
        if let n = c.waitNext { n.waitPrev = c.waitPrev } else { last = c.waitPrev }
        c.waitPrev = nil
        c.waitNext = nil
        count -= 1
    }
}
