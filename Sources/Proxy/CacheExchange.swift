import Balancing
import Cache
import Config
import EventLoop
import Glibc
import Gzip
import HTTP1

/// The cache side of one proxied request (nginx's `ngx_http_file_cache` per request): the lookup before going
/// upstream, the HIT served from the entry file with sendfile, the `proxy_cache_lock` wait, the tee of a MISS
/// into a `CacheWriter` and its commit, and the stale entry kept for `proxy_cache_use_stale`.
///
/// `ProxyExchange` holds one while the request lives and calls it from a few marked hooks.
final class CacheExchange {
    enum Start {
        /// The response was served from the cache (HIT).
        case served
        /// Another request fills this key (`proxy_cache_lock`): keep this object until it calls back.
        case waiting(CacheExchange)
        /// Go upstream; `exchange` (nil when the cache is not involved) tees the response.
        case fetch(CacheExchange?)
    }

    let location: CacheLocation
    let facts: CacheRequestFacts
    let key: CacheKey
    private unowned let exchange: ProxyExchange
    private var zone: CacheZone { location.zone }
    /// An expired entry, kept open for `proxy_cache_use_stale`.
    private var stale: CacheReadHandle?
    /// False after a `proxy_cache_lock_timeout` (nginx passes the request on without caching the answer).
    private var mayStore = true
    private var uses = 1
    private var holdsLock = false
    private var writer: (any CacheWriter)?
    private var validUntil: Int64 = 0
    private var waitTimer: Watcher?
    private var waitStarted: UInt64 = 0

    /// The largest cached body gzipped on a HIT (in memory, at once); bigger ones are sent as stored, with sendfile.
    static let maxGzipOnHit = 1 << 20

    /// How often a `proxy_cache_lock` waiter looks at the index again.
    static let lockPollMillis = 20

    private init(location: CacheLocation, facts: CacheRequestFacts, key: CacheKey, exchange: ProxyExchange) {
        self.location = location; self.facts = facts; self.key = key; self.exchange = exchange
    }

    deinit { finish() }

    // MARK: - Before going upstream

    /// Decides BYPASS / lookup, serves a fresh entry, or sets up a fill.
    static func start(_ loc: CacheLocation, exchange ex: ProxyExchange) -> Start {
        let r = ex.request
        var facts = CacheRequestFacts(method: Array(r.head.bytes(r.head.methodRange)))
        facts.hasAuthorization = r.requestHeader("authorization") != nil
        facts.bypass = loc.bypass.contains { isTrue(r.evaluate($0)) }
        facts.noCache = loc.noCache.contains { isTrue(r.evaluate($0)) }
        let decision = CachePolicy.request(facts, loc.rules)
        if decision == .notCacheable { return .fetch(nil) }
        let cx = CacheExchange(location: loc, facts: facts, key: CacheKey(r.evaluate(loc.key)), exchange: ex)
        if decision == .bypass {
            r.cacheStatus = Array(CacheStatus.bypass.rawValue.utf8)
            return .fetch(cx)
        }
        return cx.lookup()
    }

    /// nginx's rule for `proxy_cache_bypass` / `proxy_no_cache` values: non-empty and not "0".
    private static func isTrue(_ v: [UInt8]) -> Bool { !v.isEmpty && v != [UInt8(ascii: "0")] }

    private func lookup() -> Start {
        let r = exchange.request
        let now = Int64(time(nil))
        let entry = zone.index.lookup(key.digest, now: now)
        uses = entry.uses
        // While the loader runs, the index may not know an entry that is on disk: look at the file itself.
        if entry.exists || zone.isLoading, let handle = open() {
            if !entry.exists {
                zone.index.commit(key.digest, bytes: handle.bodyOffset + handle.bodyLength,
                                  validUntil: handle.meta.validUntil, now: now)
            }
            if !CachePolicy.mayServe(facts, entry: handle.meta) || !varyMatches(handle.meta) {
                handle.close()   // another user's variant, or not shareable with Authorization: a plain miss
            } else if CacheRevalidation.isFresh(handle.meta.validUntil, now: now) {
                if serve(handle, as: .hit) { return .served }
            } else {
                stale = handle
            }
        }
        r.cacheStatus = Array((stale != nil ? CacheStatus.expired : CacheStatus.miss).rawValue.utf8)
        if location.lock && stale == nil {
            if zone.index.beginFill(key.digest, now: now, lockAge: location.lockAgeSeconds) == .wait {
                waitForFill()
                return .waiting(self)
            }
            holdsLock = true
        }
        return .fetch(self)
    }

    /// Opens the entry; a damaged file is logged, removed and treated as a miss.
    private func open() -> CacheReadHandle? {
        do {
            return try zone.storage.open(key.digest)
        } catch .notFound {
            zone.index.remove(key.digest)
        } catch .corrupt {
            log("cache file \"\(zone.storage.path(for: key.digest))\" is corrupt or truncated, removed")
            zone.storage.remove(key.digest)
            zone.index.remove(key.digest)
        } catch {
            log("cache file \"\(zone.storage.path(for: key.digest))\" could not be read: \(error)")
        }
        return nil
    }

    private func varyMatches(_ meta: CacheEntryMeta) -> Bool {
        meta.varyNames.isEmpty || varyHash(meta.varyNames) == meta.varyHash
    }

    private func varyHash(_ names: [[UInt8]]) -> CacheDigest {
        let r = exchange.request
        return CacheVary.hash(names: names) { name in r.requestHeader(name).map { Array($0) } }
    }

    // MARK: - proxy_cache_lock

    /// Another request fills this key: look at the index on a timer until it is there, the filler gave up,
    /// or `proxy_cache_lock_timeout` passed.
    private func waitForFill() {
        waitStarted = Clock.monotonicNanos()
        let t = Watcher.timer(loop: exchange.client.worker.loop) { [weak self] in self?.pollFill() }
        waitTimer = t
        t.arm(exactMillis: Self.lockPollMillis)
    }

    private func pollFill() {
        let now = Int64(time(nil))
        let entry = zone.index.peek(key.digest)
        if entry?.exists == true, let handle = open() {
            if CachePolicy.mayServe(facts, entry: handle.meta), varyMatches(handle.meta),
               CacheRevalidation.isFresh(handle.meta.validUntil, now: now), serve(handle, as: .hit) {
                waitTimer = nil
                return
            }
        }
        let waited = Int((Clock.monotonicNanos() &- waitStarted) / 1_000_000)
        if entry?.filling == true && waited < location.lockTimeoutMillis {
            waitTimer?.arm(exactMillis: Self.lockPollMillis)
            return
        }
        waitTimer = nil
        if entry?.filling == true {
            mayStore = false   // lock_timeout: pass the request on, do not cache its answer
        } else if location.lock, zone.index.beginFill(key.digest, now: now, lockAge: location.lockAgeSeconds) == .fill {
            holdsLock = true   // the filler gave up without storing: this request fills now
        }
        exchange.startUpstream()
    }

    // MARK: - Serving an entry

    /// Sends a stored response: the stored head rebuilt for this client, then the body with sendfile.
    /// False (and the entry removed) when the stored head does not parse.
    private func serve(_ handle: CacheReadHandle, as status: CacheStatus) -> Bool {
        let r = exchange.request, c = exchange.client
        var parser = ResponseHeadParser()
        let parsed = handle.head.withUnsafeBytes { parser.parse($0) }
        guard case .complete(let resp, _) = parsed,
              resp.contentLength == nil || resp.contentLength == Int64(handle.bodyLength) else {
            log("cache file \"\(zone.storage.path(for: key.digest))\" has a bad response header, removed")
            handle.close()
            zone.storage.remove(key.digest)
            zone.index.remove(key.digest)
            return false
        }
        r.cacheStatus = Array(status.rawValue.utf8)
        r.upstreamResponse = resp
        r.status = resp.status
        exchange.servedFromCache()
        // gzip applies to a HIT as to a MISS (nginx filters cached responses too): small bodies compressed at once.
        var gzip = r.location.gzip.map { GzipStage.decide($0, request: r, response: resp) }
        if let d = gzip, d.compress {
            if handle.bodyLength <= Self.maxGzipOnHit, let body = compressed(handle, d) {
                var extra = Array("Content-Length: ".utf8)
                ASCIIDecimal.append(body.count, to: &extra)
                extra += [13, 10]
                let out = ResponseHeadBuilder.build(for: r, upstream: resp, proxy: exchange.proxy, connection: c,
                                                    chunked: false, extra: extra, gzip: d)
                r.responseHead = out
                handle.close()
                _ = c.send(out)
                r.bodyBytesSent += Int64(body.count)
                _ = c.send(body)
                c.responseComplete()
                return true
            }
            gzip = nil
        }
        var extra: [UInt8] = []
        if resp.contentLength == nil {
            extra = Array("Content-Length: ".utf8)
            ASCIIDecimal.append(handle.bodyLength, to: &extra)
            extra += [13, 10]
        }
        let out = ResponseHeadBuilder.build(for: r, upstream: resp, proxy: exchange.proxy, connection: c,
                                            chunked: false, extra: extra, gzip: gzip.map { d in
                                                var v = d; v.etag = .keep; return v })
        r.responseHead = out
        _ = c.send(out)
        if r.head.method == .head || handle.bodyLength == 0 {
            handle.close()
            c.responseComplete()
            return true
        }
        // The sender owns its descriptor; the handle closes its own.
        let fd = dup(handle.fd)
        let sender = FileSender(connection: c, fd: fd, offset: Int64(handle.bodyOffset), remaining: Int64(handle.bodyLength))
        handle.close()
        c.fileSender = sender
        sender.resume()
        return true
    }

    /// The entry's body gzipped; nil when it cannot be read (the caller sends it as stored).
    private func compressed(_ handle: CacheReadHandle, _ d: GzipDecision) -> [UInt8]? {
        var plain: [UInt8] = []
        plain.reserveCapacity(handle.bodyLength)
        guard (try? handle.readBody(offset: 0, count: handle.bodyLength, into: &plain)) == handle.bodyLength,
              let filter = try? GzipBodyFilter(decision: d) else { return nil }
        var out: [UInt8] = []
        plain.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count { offset += filter.write(UnsafeRawBufferPointer(rebasing: p[offset...]), into: &out) }
        }
        filter.finish(into: &out)
        exchange.request.gzipRatio = filter.ratio.map { Array($0.text.utf8) }
        return out
    }

    // MARK: - proxy_cache_use_stale

    /// The upstream failed: serve the expired entry when `proxy_cache_use_stale` covers the failure.
    func serveStale(after failure: UpstreamFailure) -> Bool {
        guard let h = stale, location.useStale.covers(failure) else { return false }
        stale = nil
        return serve(h, as: .stale)
    }

    /// The upstream answered with an error status `proxy_cache_use_stale http_5xx` covers.
    func serveStale(status: Int) -> Bool {
        guard let h = stale, location.useStale.covers(status: status) else { return false }
        stale = nil
        return serve(h, as: .stale)
    }

    // MARK: - Filling

    /// The upstream response head arrived: decide whether to store it and open the temp file.
    func responseStarted(_ resp: ResponseHead) {
        let r = exchange.request
        guard mayStore, r.head.method != .head, uses >= location.rules.minUses else { return releaseLock() }
        func joined(_ name: String) -> [UInt8]? {
            var out: [UInt8]? = nil
            for h in resp.headers where Bytes.equalsIgnoringCase(resp.bytes(h.name), Array(name.utf8)) {
                if out != nil { out! += [44, 32] }
                out = (out ?? []) + resp.bytes(h.value)
            }
            return out
        }
        var answer = CacheResponseFacts(status: resp.status)
        answer.cacheControl = joined("cache-control")
        answer.expires = joined("expires")
        answer.xAccelExpires = joined("x-accel-expires")
        answer.vary = joined("vary")
        answer.hasSetCookie = resp.firstHeader("set-cookie") != nil
        let now = Int64(time(nil))
        guard case .store(let plan) = CachePolicy.store(facts, answer, location.rules, now: now) else {
            return releaseLock()
        }
        var meta = CacheEntryMeta(key: key, validUntil: plan.validUntil, storedAt: now, varyNames: plan.varyNames,
                                  varyHash: plan.varyNames.isEmpty ? CacheVary.none : varyHash(plan.varyNames),
                                  flags: plan.sharedWithAuthorization ? .sharedWithAuthorization : [])
        meta.lastModified = resp.firstHeader("last-modified").flatMap { HTTPDate.parse($0) }
        meta.etag = resp.firstHeader("etag").map { Array($0) } ?? []
        do {
            writer = try zone.storage.beginWrite(meta, head: resp.bytes)
            validUntil = plan.validUntil
        } catch {
            writeFailed(error)
        }
    }

    /// A piece of the upstream body (decoded from chunked, before gzip) on its way to the client.
    func bodyPiece(_ piece: UnsafeRawBufferPointer) {
        guard let w = writer else { return }
        do {
            try w.append(piece)
        } catch {
            writer = nil
            writeFailed(error)
        }
    }

    /// The whole body arrived: the entry becomes visible.
    func bodyComplete() {
        guard let w = writer else { return }
        writer = nil
        do {
            let bytes = try w.commit()
            zone.index.commit(key.digest, bytes: bytes, validUntil: validUntil, now: Int64(time(nil)))
            holdsLock = false
        } catch {
            writeFailed(error)
        }
    }

    /// The request ends (done, failed, client gone): an unfinished entry is discarded, the lock released.
    func finish() {
        writer?.abort()
        writer = nil
        releaseLock()
        waitTimer?.disarm()
        waitTimer = nil
        stale?.close()
        stale = nil
    }

    private func releaseLock() {
        if holdsLock { zone.index.endFill(key.digest) }
        holdsLock = false
    }

    private func writeFailed(_ error: CacheStorageError) {
        let path = zone.storage.path(for: key.digest)
        switch error {
        case .noSpace: log("write() to cache file \"\(path)\" failed (28: No space left on device), not cached")
        case .io(let op, let e): log("\(op)() on cache file \"\(path)\" failed (\(e): \(Syscall.describe(e))), not cached")
        default: log("cache file \"\(path)\" could not be written: \(error)")
        }
        releaseLock()
    }

    private func log(_ message: String) {
        exchange.client.worker.log(.error, message, exchange.client.id)
    }

    // MARK: - The request sent upstream

    /// nginx sends a cacheable request without `Range` and validators, so the stored answer is the whole
    /// resource, valid for every later client.
    static let strippedHeaders: [[UInt8]] = ["range", "if-range", "if-modified-since", "if-unmodified-since",
                                             "if-none-match", "if-match"].map { Array($0.utf8) }

    static func stripConditionals(_ head: inout [UInt8]) {
        var out: [UInt8] = []
        out.reserveCapacity(head.count)
        var i = 0
        var first = true
        while i < head.count {
            var end = i
            while end + 1 < head.count && !(head[end] == 13 && head[end + 1] == 10) { end += 1 }
            let lineEnd = min(end + 2, head.count)
            var drop = false
            if !first, let colon = head[i..<end].firstIndex(of: UInt8(ascii: ":")) {
                let name = head[i..<colon]
                drop = strippedHeaders.contains { Bytes.equalsIgnoringCase(name, $0) }
            }
            if !drop { out += head[i..<lineEnd] }
            if end == i { out += head[lineEnd...]; break }   // blank line: the body (if any) follows
            first = false
            i = lineEnd
        }
        head = out
    }
}
