import Balancing
import Config
import EventLoop
import Glibc
import HTTP1
import ASCIIBytes

/// One location's `userid` settings, compiled; nil where `userid` is off.
struct UserIDRuntime {
    let mode: UserIDSettings.Mode
    let name: [UInt8]
    let service: UInt32?
    let mark: UInt8?
    let expires: UserIDSettings.Expires
    /// `; domain=…; path=…` and the flags, in nginx's order after the expiry.
    let attributes: [UInt8]
    let p3p: [UInt8]?
    /// `$uid_reset` when a `set` or a `map` gives it a value (RuntimeBuilder.userIDReset).
    let reset: VariableID?

    init?(_ s: UserIDSettings, reset: VariableID?) {
        guard s.mode != .off else { return nil }
        mode = s.mode
        name = Array(s.name.utf8)
        service = s.service.map { UInt32(truncatingIfNeeded: $0) }
        mark = s.mark
        expires = s.expires
        var a: [UInt8] = []
        if let d = s.domain { a += Array("; domain=\(d)".utf8) }
        a += Array("; path=\(s.path)".utf8)
        if s.flags.contains(.secure) { a += Array("; secure".utf8) }
        if s.flags.contains(.httpOnly) { a += Array("; httponly".utf8) }
        if s.flags.contains(.sameSiteStrict) { a += Array("; samesite=strict".utf8) }
        if s.flags.contains(.sameSiteLax) { a += Array("; samesite=lax".utf8) }
        if s.flags.contains(.sameSiteNone) { a += Array("; samesite=none".utf8) }
        attributes = a
        p3p = s.p3p.map { Array($0.utf8) }
        self.reset = reset
    }

    /// Modes that issue a cookie (nginx's `enable >= NGX_HTTP_USERID_V1`).
    var issues: Bool { mode == .v1 || mode == .on }
}

/// The ids a request read and will set: made at its first use, by the header filter or a variable.
final class UserIDState {
    var got = UserIDValue(0, 0, 0, 0)
    var set = UserIDValue(0, 0, 0, 0)
    /// The cookie's value as the client sent it (its first 22 bytes are kept when only a mark is added).
    var cookie: [UInt8] = []
    var reset = false
}

/// Each worker's part of every new id: nginx's per-process start value and sequence numbers.
struct UserIDSequence {
    let start: UInt32
    var v1: UInt32 = 1
    var v2: UInt32 = 0x0303_0302

    /// nginx mixes the microseconds of its start into the high half and its pid into the low; worker threads
    /// share one pid, so each adds its index to it, which keeps their ids apart within a second.
    init(workerIndex: Int) {
        var tv = timeval()
        gettimeofday(&tv, nil)
        start = (UInt32(truncatingIfNeeded: tv.tv_usec / 20) << 16) | UInt32(truncatingIfNeeded: Int(getpid()) + workerIndex)
    }
}

/// ngx_http_userid_filter_module: reads the visitor cookie, makes a new id when there is none (or `$uid_reset`
/// asks), and sets it in every main response's head.
enum UserIDFilter {
    /// nginx's get_uid: the request's state, its cookie read (and complained about) once.
    static func state(_ r: Request, _ u: UserIDRuntime) -> UserIDState {
        if let s = r.userID { return s }
        let s = UserIDState()
        r.userID = s
        guard let head = r.head, let value = head.cookie(named: u.name) else { return s }
        s.cookie = Array(value)
        switch UserIDValue.decode(value) {
        case .id(let id): s.got = id
        case .tooShort: complain("client sent too short userid cookie", r, u)
        case .invalid: complain("client sent invalid userid cookie", r, u)
        }
        return s
    }

    /// nginx logs the whole Cookie line the cookie came in.
    private static func complain(_ what: String, _ r: Request, _ u: UserIDRuntime) {
        var line: ArraySlice<UInt8> = []
        for f in r.head.headers where ASCII.equalsLowercased(r.head.bytes(f.name), "cookie") {
            if Cookies.value(named: u.name, in: r.head.bytes(f.value)) != nil { line = r.head.bytes(f.value); break }
        }
        let c = r.connection
        c.worker.log(.error, "\(what) \"\(String(decoding: line, as: UTF8.self))\"", c)
    }

    /// nginx's create_uid: keeps the id the client has unless `$uid_reset` is set (then a new one), re-issues it
    /// when `userid_mark` asks for a mark it lacks, and makes a new one for a client without.
    static func create(_ r: Request, _ s: UserIDState, _ u: UserIDRuntime) {
        if s.set.isPresent { return }
        let c = r.connection
        if s.got.isPresent {
            var reset: [UInt8] = []
            if let v = u.reset { r.append(v, to: &reset) }
            if reset.isEmpty || reset == [UInt8(ascii: "0")] {
                if let m = u.mark, !(s.cookie.count > 23 && s.cookie[22] == m && s.cookie[23] == UInt8(ascii: "=")) {
                    s.set = s.got
                }
                return
            }
            s.reset = true
            if reset == Array("log".utf8) {
                var text: [UInt8] = []
                s.got.appendText(name: u.name, to: &text)
                c.worker.log(.notice, "userid cookie \"\(String(decoding: text, as: UTF8.self))\" was reset", c)
            }
        }
        let now = UInt32(truncatingIfNeeded: time(nil))
        if u.mode == .v1 {
            s.set = UserIDValue(u.service ?? 0, now, c.worker.userIDs.start, c.worker.userIDs.v1)
            c.worker.userIDs.v1 &+= 0x100
            return
        }
        // Mode `on`: every word in network order; the first is the service, else the server's address.
        let first: UInt32
        if let service = u.service {
            first = service.byteSwapped
        } else {
            let b = c.local.bytes
            first = b.count >= 4 ? b.suffix(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } : 0
        }
        let seq = c.worker.userIDs.v2
        s.set = UserIDValue(first, now.byteSwapped, c.worker.userIDs.start.byteSwapped, seq.byteSwapped)
        c.worker.userIDs.v2 = seq &+ 0x100 < 0x0303_0302 ? 0x0303_0302 : seq &+ 0x100
    }

    /// The header filter: `Set-Cookie` (and `P3P`) on a main request's response when there is an id to set.
    static func appendHeaders(_ r: Request, _ u: UserIDRuntime, into w: inout HeadWriter) {
        guard u.issues, !r.isSubrequest else { return }
        let s = state(r, u)
        create(r, s, u)
        guard s.set.isPresent else { return }
        var v = u.name
        v.append(UInt8(ascii: "="))
        if !s.got.isPresent || s.reset {
            v += s.set.cookieValue(mark: u.mark)
        } else {   // the client's id, marked
            v += s.cookie.prefix(22)
            v.append(u.mark ?? UInt8(ascii: "="))
            v.append(UInt8(ascii: "="))
        }
        switch u.expires {
        case .off: break
        case .max: v += Array("; expires=Thu, 31-Dec-37 23:55:55 GMT".utf8)
        case .seconds(let n):
            v += Array("; expires=".utf8)
            CookieDate.append(LogClock.seconds() + Int64(n), to: &v)
        }
        v += u.attributes
        w.appendHeader("Set-Cookie", v)
        if let p = u.p3p { w.appendHeader("P3P", p) }
    }

    /// `$uid_got`: the id the client sent, as `NAME=` and 32 hex digits (nothing when `userid` is off).
    static func appendGot(_ r: Request, to out: inout [UInt8]) {
        let main = r.mainRequest
        guard let u = main.location?.userid else { return }
        let s = state(main, u)
        if s.got.isPresent { s.got.appendText(name: u.name, to: &out) }
    }

    /// `$uid_set`: the id this response sets (made now if the header filter has not run yet).
    static func appendSet(_ r: Request, to out: inout [UInt8]) {
        let main = r.mainRequest
        guard let u = main.location?.userid, u.issues else { return }
        let s = state(main, u)
        create(main, s, u)
        if s.set.isPresent { s.set.appendText(name: u.name, to: &out) }
    }
}

extension Builder {
    /// What the userid filter reads as `$uid_reset`: a `set` line's slot, else a `map` block, else nothing.
    var userIDReset: VariableID? {
        if let s = userSlots["uid_reset"] { return .uidReset(s) }
        if let m = mapIndex["uid_reset"] { return .mapResult(m) }
        return nil
    }
}
