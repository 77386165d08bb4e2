import Config
import DNS
import EventLoop

/// Who waits for a name (the exchange, before its first try).
protocol DNSResolveWaiter: AnyObject {
    /// The name's answer, and the waiter's turn in the round robin over its addresses. Never called from inside
    /// `DNSResolver.resolve`.
    func nameResolved(_ answer: ResolverCache.Answer, turn: Int)
}

/// A worker's DNS client for one `resolver` setting (nginx's ngx_resolver): it asks the name servers over UDP
/// on the worker's loop and never blocks it. A name is asked once however many requests wait for it (A, and
/// AAAA unless `ipv6=off`); unanswered questions are sent again after 5 s (nginx's resend_timeout), each send to
/// the next server in turn, until `resolver_timeout`; a truncated answer is asked again over TCP (DNSTCPQuery.swift).
/// Answers are kept in the worker's `ResolverCache`, so the hot path of a cached name is one dictionary
/// lookup and no lock.
final class DNSResolver {
    let config: ResolverRuntime
    private unowned let worker: Worker
    private var cache = ResolverCache()
    /// Names being asked, by canonical name, and their questions by ID.
    private var pending: [[UInt8]: PendingName] = [:]
    private var byID: [UInt16: PendingName] = [:]
    private var sockets: [NameServerSocket?]
    private var nextServer = 0
    private var timer: Watcher!
    private var timerDeadline: UInt64 = .max
    private var datagram = [UInt8](repeating: 0, count: 4096)
    /// TCP queries closed while their own callback may be on the stack: freed at the next tick.
    private var closedTCP: [DNSTCPQuery] = []
    /// nginx's resend_timeout.
    static let resendMillis = 5000
    /// CNAMEs followed by asking again (a chain the answer itself holds is followed in DNSResponse); nginx's
    /// NGX_RESOLVER_MAX_RECURSION.
    static let maxCNAMEQueries = 50

    init(config: ResolverRuntime, worker: Worker) {
        self.config = config
        self.worker = worker
        sockets = Array(repeating: nil, count: config.servers.count)
        timer = Watcher.timer(loop: worker.loop) { [unowned self] in self.tick() }
    }

    /// Nothing is being asked: a retired resolver can close.
    var isIdle: Bool { pending.isEmpty }

    /// The cached answer for `name` (with the caller's turn), or nil when `waiter` will hear back later.
    func resolve(_ name: [UInt8], waiter: any DNSResolveWaiter) -> (answer: ResolverCache.Answer, turn: Int)? {
        let key = DNSName.canonical(name)
        let now = Clock.monotonicNanos()
        if let hit = cache.lookup(key, now: now) { return hit }
        if let p = pending[key] {
            p.waiters.append(waiter)
            return nil
        }
        // Not a name DNS can carry (an empty or too long label): nginx's "Format error".
        if DNSName.encode(key) == nil { return (.failed(1), 0) }
        let p = PendingName(name: key, deadline: now &+ UInt64(config.timeoutMillis) &* 1_000_000)
        p.waiters.append(waiter)
        ask(p, now: now)
        return nil
    }

    /// `waiter` went away (its client closed): the query goes on for the others and the cache.
    func cancel(waiter: any DNSResolveWaiter) {
        for p in pending.values { p.waiters.removeAll { $0 === waiter } }
    }

    /// A question with an ID no pending question holds.
    private func question(_ name: [UInt8], _ type: UInt16) -> Question? {
        var id = UInt16.random(in: 0...UInt16.max)
        while byID[id] != nil { id &+= 1 }
        let query = DNSQuery(id: id, name: name, type: type)
        guard let wire = query.encode() else { return nil }
        return Question(query: query, wire: wire)
    }

    // MARK: - Sending

    /// Sends every unanswered question of `p` to the next server.
    private func send(_ p: PendingName, now: UInt64) {
        p.nextSend = now &+ UInt64(Self.resendMillis) &* 1_000_000
        let index = nextServer
        nextServer = (nextServer + 1) % config.servers.count
        guard let s = socket(index) else { return }
        for q in p.questions where !q.done && q.tcp == nil {
            switch Syscall.write(s.fd, q.wire) {
            case .done: break
            case .wouldBlock: break   // the next resend (resendMillis later) tries again
            case .eof, .error(_):
                worker.log(.error, "send() failed while resolving \"\(String(decoding: p.name, as: UTF8.self))\" on \(config.servers[index])", 0)
            }
        }
    }

    private func socket(_ index: Int) -> NameServerSocket? {
        if let s = sockets[index] { return s }
        switch Socket.datagram(connectedTo: config.servers[index]) {
        case .success(let fd):
            let s = NameServerSocket(fd: fd, loop: worker.loop) { [unowned self] in self.readable(index) }
            sockets[index] = s
            return s
        case .failure(let f):
            worker.log(.error, "\(f.call) failed (\(f.code): \(Syscall.describe(f.code))) for resolver \(config.servers[index])", 0)
            return nil
        }
    }

    // MARK: - Answers

    private func readable(_ index: Int) {
        guard let s = sockets[index] else { return }
        for _ in 0..<64 {   // bounded: the loop serves others between bursts
            switch Syscall.read(s.fd, into: &datagram, count: datagram.count) {
            case .done(let n): received(Array(datagram[..<n]), from: index)
            case .eof: continue   // an empty datagram
            case .wouldBlock: return
            case .error(_): continue   // e.g. ECONNREFUSED from an earlier send's ICMP: the resend goes elsewhere
            }
        }
    }

    /// A response: dropped unless it matches a pending question's ID, name and type (the connected socket
    /// already dropped datagrams from other addresses).
    func received(_ message: [UInt8], from server: Int) {
        guard let response = try? DNSResponse.decode(message), let p = byID[response.id],
              let i = p.questions.firstIndex(where: { !$0.done && response.answers($0.query) })
        else { return }
        // Truncated: asked again over TCP; if TCP failed for it, what the datagram holds is taken.
        if response.truncated && !p.questions[i].udpOnly {
            if p.questions[i].tcp == nil { askOverTCP(p, i, server: server) }
            return
        }
        answered(p, i, response)
    }

    /// A question's response (over UDP or TCP). Once every question of the name has its answer, the name is
    /// concluded as nginx's ngx_resolver_process_a does.
    func answered(_ p: PendingName, _ i: Int, _ response: DNSResponse) {
        closeTCP(&p.questions[i])
        if response.rcode != 0 {
            p.questions[i].finish(rcode: Int(response.rcode))
        } else {
            let (addresses, ttl, canonical) = response.addresses()
            p.questions[i].finish(addresses: addresses, ttl: ttl)
            if addresses.isEmpty { p.questions[i].cname = canonical }
        }
        p.questions[i].order = p.answers
        p.answers += 1
        if p.questions.allSatisfy(\.done) { conclude(p) }
    }

    /// nginx's rules: an error in either answer fails the name (the last answer's own code first); else the
    /// addresses of both (A first); else a CNAME in the last answer is followed as a new lookup of its target
    /// (A and AAAA, from the cache if it is there); else "Host not found".
    private func conclude(_ p: PendingName) {
        let byArrival = p.questions.sorted { $0.order < $1.order }
        if let failed = byArrival.reversed().first(where: { $0.rcode != 0 }) {
            return finish(p, .failed(failed.rcode), ttl: 0)
        }
        var addresses: [[UInt8]] = []
        var ttl = UInt32.max
        for q in p.questions where !q.addresses.isEmpty {   // questions are in A, AAAA order
            addresses.append(contentsOf: q.addresses)
            ttl = min(ttl, q.ttl)
        }
        if !addresses.isEmpty { return finish(p, .addresses(addresses), ttl: ttl) }
        if let last = byArrival.last, let target = last.cname, p.cnames < Self.maxCNAMEQueries {
            return follow(p, to: target, ttl: last.ttl)
        }
        finish(p, .failed(3), ttl: 0)
    }

    /// The name is an alias whose target the answer did not resolve: its waiters wait for the target (cached,
    /// being asked, or asked now, within the first request's deadline); the alias is cached with the target's
    /// answer for the CNAME's TTL.
    private func follow(_ p: PendingName, to target: [UInt8], ttl: UInt32) {
        retire(p)
        var aliases = p.aliases
        aliases.append((p.name, ttl))
        let now = Clock.monotonicNanos()
        if let hit = cache.lookup(target, now: now) {
            let answer = hit.answer
            store(answer, for: aliases, waiters: p.waiters.count, now: now)
            let waiters = p.waiters
            p.waiters.removeAll()
            for (turn, w) in waiters.enumerated() { w.nameResolved(answer, turn: hit.turn &+ turn) }
            return
        }
        if let q = pending[target] {
            q.waiters.append(contentsOf: p.waiters)
            q.aliases.append(contentsOf: aliases)
            p.waiters.removeAll()
            return
        }
        guard DNSName.encode(target) != nil else { return finish(p, .failed(1), ttl: 0) }
        let next = PendingName(name: target, deadline: p.deadline)
        next.cnames = p.cnames + 1
        next.aliases = aliases
        next.waiters = p.waiters
        p.waiters.removeAll()
        ask(next, now: now)
    }

    /// Registers `p`'s questions and sends them.
    private func ask(_ p: PendingName, now: UInt64) {
        if config.ipv4, let q = question(p.name, DNSType.a) { p.questions.append(q); byID[q.query.id] = p }
        if config.ipv6, let q = question(p.name, DNSType.aaaa) { p.questions.append(q); byID[q.query.id] = p }
        pending[p.name] = p
        send(p, now: now)
        if p.nextSend < timerDeadline || !timer.isArmed { armTimer(now: now) }
    }

    /// `p` leaves the pending names (its IDs and TCP queries with it).
    private func retire(_ p: PendingName) {
        if pending[p.name] === p { pending[p.name] = nil }
        for i in p.questions.indices {
            if byID[p.questions[i].query.id] === p { byID[p.questions[i].query.id] = nil }
            closeTCP(&p.questions[i])
        }
    }

    /// Addresses go to the cache for `ttl` (or valid=), under the name and its aliases; errors are not kept,
    /// as in nginx: the next request asks again.
    private func store(_ answer: ResolverCache.Answer, for names: [(name: [UInt8], ttl: UInt32)], waiters: Int, now: UInt64) {
        guard case .addresses(let list) = answer else { return }
        for (name, ttl) in names {
            cache.store(name, list, ttlSeconds: ttl, validSeconds: config.validSeconds, now: now, waiters: waiters)
        }
    }

    /// The name's outcome goes to the cache and to every waiter, each with its turn.
    private func finish(_ p: PendingName, _ answer: ResolverCache.Answer, ttl: UInt32) {
        retire(p)
        // An alias keeps the target's answer no longer than either TTL.
        store(answer, for: [(p.name, ttl)] + p.aliases.map { ($0.name, min($0.ttl, ttl)) }, waiters: p.waiters.count,
              now: Clock.monotonicNanos())
        let waiters = p.waiters
        p.waiters.removeAll()
        for (turn, w) in waiters.enumerated() { w.nameResolved(answer, turn: turn) }
    }

    // MARK: - TCP (a truncated answer)

    private func askOverTCP(_ p: PendingName, _ i: Int, server: Int) {
        let id = p.questions[i].query.id
        let tcp = DNSTCPQuery(server: config.servers[server], query: p.questions[i].wire, loop: worker.loop) {
            [unowned self, unowned p] message in
            guard let j = p.questions.firstIndex(where: { $0.query.id == id && !$0.done }) else { return }
            guard let message, let response = try? DNSResponse.decode(message), response.answers(p.questions[j].query),
                  !response.truncated
            else {
                // Nothing usable over TCP: the question waits for the UDP resends, else the timeout.
                self.closeTCP(&p.questions[j])
                p.questions[j].udpOnly = true
                return
            }
            self.answered(p, j, response)
        }
        if tcp.failed {
            p.questions[i].udpOnly = true
        } else {
            p.questions[i].tcp = tcp
        }
    }

    private func closeTCP(_ q: inout Question) {
        guard let tcp = q.tcp else { return }
        tcp.close()
        closedTCP.append(tcp)
        q.tcp = nil
    }

    // MARK: - Time

    /// Names past `resolver_timeout` fail with 110; those whose questions went `resendMillis` ago without an answer
    /// are sent again (to the next server).
    private func tick() {
        timerDeadline = .max
        closedTCP.removeAll()
        let now = Clock.monotonicNanos()
        for p in Array(pending.values) where pending[p.name] === p {
            if p.deadline <= now {
                finish(p, .failed(DNSFailure.timedOut), ttl: 0)
            } else if p.nextSend <= now {
                send(p, now: now)
            }
        }
        if !pending.isEmpty { armTimer(now: now) }
    }

    private func armTimer(now: UInt64) {
        let next = pending.values.lazy.map { min($0.deadline, $0.nextSend) }.min() ?? .max
        guard next != .max else { return }
        timerDeadline = next
        timer.arm(exactMillis: next > now ? Int((next - now + 999_999) / 1_000_000) : 0)
    }

    /// The worker stops, or a reload retired this resolver and nothing is pending any more.
    func close() {
        timer.disarm()
        timerDeadline = .max
        for p in pending.values { for q in p.questions { q.tcp?.close() } }
        closedTCP.removeAll()
        pending.removeAll()
        byID.removeAll()
        for s in sockets { s?.close() }
        sockets = Array(repeating: nil, count: sockets.count)
    }
}

/// A name being asked and the requests waiting for it.
final class PendingName {
    let name: [UInt8]
    let deadline: UInt64
    /// When unanswered questions go again.
    var nextSend: UInt64 = .max
    var questions: [Question] = []
    var waiters: [any DNSResolveWaiter] = []
    /// Answers received so far (each question's `order`).
    var answers = 0
    /// CNAMEs followed to get here, and the names that led here (cached with this name's answer).
    var cnames = 0
    var aliases: [(name: [UInt8], ttl: UInt32)] = []

    init(name: [UInt8], deadline: UInt64) {
        self.name = name
        self.deadline = deadline
    }
}

/// One query of a pending name (A or AAAA) and what its answer said.
struct Question {
    var query: DNSQuery
    var wire: [UInt8]
    var done = false
    var addresses: [[UInt8]] = []
    var ttl = UInt32.max
    var rcode = 0
    /// No address, only a CNAME to this name (followed when this answer came last).
    var cname: [UInt8]? = nil
    /// Which answer of the name this was.
    var order = 0
    /// The TCP exchange of a truncated answer, while it runs.
    var tcp: DNSTCPQuery? = nil
    /// TCP failed for it: UDP resends only.
    var udpOnly = false

    init(query: DNSQuery, wire: [UInt8]) {
        self.query = query
        self.wire = wire
    }

    mutating func finish(rcode: Int) {
        done = true
        self.rcode = rcode
    }

    mutating func finish(addresses: [[UInt8]], ttl: UInt32) {
        done = true
        self.addresses = addresses
        self.ttl = min(self.ttl, ttl)
    }
}

/// A connected UDP socket to one name server and its read watcher.
final class NameServerSocket {
    let fd: Int32
    private var watcher: Watcher?

    init(fd: Int32, loop: Loop, readable: @escaping () -> Void) {
        self.fd = fd
        watcher = Watcher(loop: loop, fd: fd, events: .read) { _ in readable() }
        watcher?.arm()
    }

    func close() {
        watcher?.disarm()
        watcher = nil
        Syscall.close(fd)
    }
}
