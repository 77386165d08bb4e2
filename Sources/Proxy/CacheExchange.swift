import Balancing
import Cache
import Config
import EventLoop
import Glibc
import Gzip
import HTTP1
import ASCIIBytes

/// The cache side of one proxied request (nginx's `ngx_http_file_cache` per request): the lookup before going
/// upstream, the HIT served from the entry with sendfile, the `proxy_cache_lock` wait, `use_stale updating`,
/// the conditional request of `proxy_cache_revalidate`, the tee of a MISS into a `CacheWriter` and its commit,
/// and the stale entry kept for `proxy_cache_use_stale`.
///
/// A HIT is cheap: the zone's index keeps recently served entries open and parsed (`CacheHotEntry`), so it is
/// an index lookup, a head built for the client and a sendfile of the body; only a cold entry is opened and
/// read from disk (and then kept hot).
///
/// `ProxyExchange` holds one while the request lives and calls it from a few marked hooks. The fill side
/// (`responseStarted` … `finish`) uses only what it copied at the start (request head, worker), so a
/// `CacheBackgroundUpdate` can keep filling after the client's request is gone.
final class CacheExchange {
    enum Start {
        /// The response was served from the cache (HIT, or UPDATING: stale while another request refreshes).
        case served
        /// Another request fills this key (`proxy_cache_lock`): keep this object until it calls back.
        case waiting(CacheExchange)
        /// Go upstream; `exchange` (nil when the cache is not involved) tees the response.
        case fetch(CacheExchange?)
    }

    let location: CacheLocation
    let facts: CacheRequestFacts
    /// The entry this request looks up, locks, stores and revalidates: the main key, or the secondary key of this
    /// request's `Vary` variant when the main entry varies and is another variant's (CacheVary).
    private(set) var key: CacheKey
    /// `proxy_cache_key`'s own key: where a response goes that is not this secondary key's variant.
    private let mainKey: CacheKey
    /// The line of the entry found under `mainKey`, which a new main entry keeps (CacheVary.variantLine).
    private var mainLine: UInt32?
    /// Used before the response starts only (lookup, serving, lock wait): a background fill outlives it.
    private unowned let exchange: ProxyExchange
    /// The client's request head, copied: vary hashes and the method, for as long as a fill runs.
    private let requestHead: RequestHead
    private unowned let worker: Worker
    private let clientID: UInt64
    private var zone: CacheZone { location.zone }
    /// An expired entry, kept for `proxy_cache_use_stale` and `proxy_cache_revalidate`.
    private var stale: CacheHotEntry?
    /// Until when `stale` may answer an upstream failure whatever `use_stale` says (`stale-if-error`).
    private var staleIfErrorUntil: Int64 = 0
    /// If-None-Match / If-Modified-Since from `stale` go upstream (`proxy_cache_revalidate`).
    private var revalidating = false
    /// An unsafe request (POST, PUT, DELETE, …): nothing is looked up or stored, a non-error answer invalidates.
    private var invalidation: Invalidation?
    private struct Invalidation {
        let uri: [UInt8]
        let host: [UInt8]
    }
    /// A HEAD goes upstream as GET (`proxy_cache_convert_head`): the body is read into the cache only.
    private(set) var convertsHead = false
    /// False after a `proxy_cache_lock_timeout` (nginx passes the request on without caching the answer).
    private var mayStore = true
    /// A MISS below `proxy_cache_min_uses` (nginx's NGX_HTTP_CACHE_SCARCE): the request goes up as it came, Range and
    /// validators too, and the answer passes as sent (a 206 stays a 206), since it will not be stored.
    private var scarce = false
    /// The Range starts at or past `proxy_cache_max_range_offset`: a fresh entry answers it, else it goes up as
    /// it came (as `scarce`) and the answer is not stored.
    private var farRange = false
    private var uses = 1
    private var holdsLock = false
    private var writer: (any CacheWriter)?
    private var validUntil: Int64 = 0
    private var waitTimer: Watcher?
    private var waitStarted: UInt64 = 0
    /// When the request went upstream (RFC 9111 §4.2.3's request_time, for the response's age).
    private var requestTime = Int64(time(nil))

    /// The largest cached body gzipped on a HIT (in memory, at once); bigger ones are sent as stored, with sendfile.
    static let maxGzipOnHit = 1 << 20

    /// How often a `proxy_cache_lock` waiter looks at the index again.
    static let lockPollMillis = 20

    private init(location: CacheLocation, facts: CacheRequestFacts, key: CacheKey, exchange: ProxyExchange) {
        self.location = location; self.facts = facts; self.key = key; self.mainKey = key; self.exchange = exchange
        requestHead = exchange.request.head
        worker = exchange.client.worker
        clientID = exchange.client.id
    }

    deinit { finish() }

    // MARK: - Before going upstream

    /// Decides BYPASS / lookup, serves a fresh entry, or sets up a fill.
    static func start(_ configured: CacheLocation, exchange ex: ProxyExchange) -> Start {
        let r = ex.request
        var loc = configured
        if let selector = configured.selector {   // proxy_cache $variable: empty is off, an unknown zone a 500
            let name = r.evaluate(selector.name)
            if name.isEmpty { return .fetch(nil) }
            guard let chosen = selector.byName[name] else {
                ex.client.worker.log(.error, "cache \"\(String(decoding: name, as: UTF8.self))\" not found", ex.client)
                ex.servedFromCache()
                ex.client.sendError(500, closeAfter: false)
                return .served
            }
            loc = chosen
        }
        var facts = CacheRequestFacts(method: Array(r.head.bytes(r.head.methodRange)))
        facts.hasAuthorization = r.requestHeader("authorization") != nil
        facts.bypass = loc.bypass.contains { isTrue(r.evaluate($0)) }
        facts.noCache = loc.noCache.contains { isTrue(r.evaluate($0)) }
        facts.asksSlice = r.sliceRange != nil
        let decision = CachePolicy.request(facts, loc.rules)
        if decision == .notCacheable {
            // RFC 9111 §4.4: an unsafe method's non-error answer invalidates the URI's entry (responseStarted).
            guard !CacheInvalidation.isSafe(facts.method) else { return .fetch(nil) }
            let cx = CacheExchange(location: loc, facts: facts, key: CacheKey(r.evaluate(loc.key, reserving: 128)), exchange: ex)
            cx.invalidation = Invalidation(uri: Array(r.head.bytes(r.head.requestURI)), host: r.hostBytes())
            cx.mayStore = false
            return .fetch(cx)
        }
        let cx = CacheExchange(location: loc, facts: facts, key: CacheKey(r.evaluate(loc.key, reserving: 128)), exchange: ex)
        cx.convertsHead = loc.convertHead && r.head.method == .head
        // proxy_cache_max_range_offset: looked up as any request (a fresh entry answers, nginx's HIT); on a miss the
        // request goes upstream as it came, Range and all, and is not stored.
        if let limit = loc.maxRangeOffset, let range = r.requestHeader("range"), rangeStarts(range, atOrPast: limit) {
            cx.farRange = true
        }
        if decision == .bypass {
            r.cacheStatus = CacheStatus.bypass.bytes
            return .fetch(cx)
        }
        return cx.lookup()
    }

    /// nginx's ngx_http_upstream_cache_check_range: a `bytes=` Range whose first part starts at `limit` or later, or
    /// counts from the end (`-N`); any Range when the limit is 0.
    static func rangeStarts(_ value: ArraySlice<UInt8>, atOrPast limit: Int64) -> Bool {
        if limit == 0 { return true }
        guard value.count >= 7, ASCII.equalsIgnoringCase(value.prefix(6), "bytes=".utf8) else { return false }
        var i = value.startIndex + 6
        while i < value.endIndex && value[i] == UInt8(ascii: " ") { i += 1 }
        if i < value.endIndex && value[i] == UInt8(ascii: "-") { return true }
        var offset: Int64 = 0
        while i < value.endIndex, ASCII.isDigit(value[i]), offset < limit {
            offset = offset &* 10 &+ Int64(value[i] - 48)
            i += 1
        }
        return offset >= limit
    }

    /// nginx's rule for `proxy_cache_bypass` / `proxy_no_cache` values: non-empty and not "0".
    private static func isTrue(_ v: [UInt8]) -> Bool { !v.isEmpty && v != [UInt8(ascii: "0")] }

    private func lookup() -> Start {
        let r = exchange.request
        let now = Int64(time(nil))
        var found = zone.index.find(key.digest, now: now)
        if servedCachedError(found, now: now) { return .served }
        var (entry, entryValidUntil) = entry(found, now: now)
        mainLine = entry?.meta.variantLine
        // The main entry varies and is another variant: this request's own lives under its secondary key.
        if let e = entry, !e.meta.varyNames.isEmpty, case let h = varyHash(e.meta.varyNames), h != e.meta.varyHash {
            key = mainKey.variant(h)
            found = zone.index.find(key.digest, now: now)
            if servedCachedError(found, now: now) { return .served }
            (entry, entryValidUntil) = self.entry(found, now: now)
            if let s = entry, !CacheVary.isCurrent(s.meta, main: e.meta) { entry = nil }   // left from before an invalidation
        }
        uses = found.entry.uses
        if let e = entry, usable(e) {
            if CacheRevalidation.isFresh(entryValidUntil, now: now) {
                serve(e, as: .hit)
                return .served
            }
            stale = e
        }
        if farRange { stale = nil }   // an expired entry is not refreshed by a part of it
        guard let s = stale else {
            r.cacheStatus = CacheStatus.miss.bytes
            if uses < location.rules.minUses || farRange {
                scarce = true
                mayStore = false
                return .fetch(self)
            }
            if location.lock {
                if beginFill(now: now) == .wait {
                    waitForFill()
                    return .waiting(self)
                }
                holdsLock = true
            }
            return .fetch(self)
        }
        r.cacheStatus = CacheStatus.expired.bytes
        let windows = CachePolicy.staleWindows(cacheControl: CacheResponseFacts.directives(of: s.response,
                                                                                             targetFields: location.rules.targetFields),
                                               location.rules)
        staleIfErrorUntil = entryValidUntil + windows.ifError
        // use_stale updating (or the entry's stale-while-revalidate): one request refreshes, the others get
        // the expired entry meanwhile.
        if location.useStale.contains(.updating) || now < entryValidUntil + windows.whileRevalidate {
            if beginFill(now: now) == .wait {
                stale = nil
                serve(s, as: .updating)
                return .served
            }
            holdsLock = true
        }
        revalidating = location.revalidate && (!s.meta.etag.isEmpty || s.meta.lastModified != nil)
        // proxy_cache_background_update: this request gets the stale entry now, the refresh runs on its own.
        if holdsLock && location.backgroundUpdate && requestHead.bodyFraming == .none {
            CacheBackgroundUpdate.start(self, request: r, proxy: exchange.proxy, peers: exchange.peers)
            serve(s, as: .stale)
            return .served
        }
        return .fetch(self)
    }

    /// An intercepted error cached for this key: its status again, through the location's error_page.
    private func servedCachedError(_ found: CacheLookup, now: Int64) -> Bool {
        guard let status = found.entry.cachedError(now: now) else { return false }
        exchange.request.cacheStatus = CacheStatus.hit.bytes
        exchange.servedFromCache()
        exchange.client.sendError(status, closeAfter: false)
        return true
    }

    /// The entry `found` names, hot or opened, and until when it is fresh.
    private func entry(_ found: CacheLookup, now: Int64) -> (CacheHotEntry?, Int64) {
        if let hot = found.hot {
            if hot.isStillStored(now: now) { return (hot, found.entry.validUntil) }
            // Its file was removed behind the cache's back (a purge by hand): a miss, as nginx's open would be,
            // and the descriptor goes with the hot entry, giving the space back.
            zone.index.remove(key.digest)
            return (nil, 0)
        }
        // While the loader runs, the index may not know an entry that is on disk: look at the file itself.
        guard found.entry.exists || zone.isLoading, let loaded = load(known: found) else { return (nil, found.entry.validUntil) }
        return (loaded, found.entry.exists ? found.entry.validUntil : loaded.meta.validUntil)
    }

    /// May this request be answered by `e`? Not another user's Vary variant, not a private entry for a
    /// request with Authorization, not a headers-only entry for anything but HEAD.
    private func usable(_ e: CacheHotEntry) -> Bool {
        CachePolicy.mayServe(facts, entry: e.meta) && varyMatches(e.meta)
            && (!e.meta.flags.contains(.headOnly) || requestHead.method == .head)
    }

    /// Opens a cold entry and keeps it hot in the index; a damaged file is logged, removed and a miss.
    private func load(known: CacheLookup) -> CacheHotEntry? {
        guard let handle = open() else { return nil }
        guard let hot = CacheHotEntry(handle: handle) else {
            log("cache file \"\(zone.storage.path(for: key.digest))\" has a bad response header, removed")
            handle.close()
            zone.storage.remove(key.digest)
            zone.index.remove(key.digest)
            return nil
        }
        var generation = known.generation
        if !known.entry.exists {
            generation = zone.index.commit(key.digest, bytes: hot.bodyOffset + hot.bodyLength,
                                           validUntil: hot.meta.validUntil, now: Int64(time(nil)))
        }
        zone.index.attachHot(key.digest, hot, generation: generation)
        return hot
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
        } catch {   // out of descriptors, an I/O error: logged, and the request goes upstream
            log(error.text(cacheFile: zone.storage.path(for: key.digest)))
        }
        return nil
    }

    private func varyMatches(_ meta: CacheEntryMeta) -> Bool {
        meta.varyNames.isEmpty || varyHash(meta.varyNames) == meta.varyHash
    }

    private func varyHash(_ names: [[UInt8]]) -> CacheDigest {
        let head = requestHead
        return CacheVary.hash(names: names, fields: { name in
            head.headers.compactMap { ASCII.equalsIgnoringCase(head.bytes($0.name), name) ? head.bytes($0.value) : nil }
        })
    }

    // MARK: - proxy_cache_lock

    /// Another request fills this key: look at the index on a timer until it is there, the filler gave up,
    /// or `proxy_cache_lock_timeout` passed.
    private func waitForFill() {
        waitStarted = Clock.monotonicNanos()
        let t = Watcher.timer(loop: worker.loop) { [weak self] in self?.pollFill() }
        waitTimer = t
        t.arm(exactMillis: Self.lockPollMillis)
    }

    /// `proxy_cache_lock` for this key: `.fill` makes this request the one that fetches.
    private func beginFill(now: Int64) -> CacheFillRole {
        zone.index.beginFill(key.digest, now: now, clockMillis: Int64(Clock.monotonicNanos() / 1_000_000),
                             lockAgeMillis: location.lockAgeMillis)
    }

    private func pollFill() {
        let now = Int64(time(nil))
        let found = zone.index.peekHot(key.digest)
        if let f = found, f.entry.exists, CacheRevalidation.isFresh(f.entry.validUntil, now: now),
           let e = f.hot ?? load(known: f), usable(e) {
            waitTimer = nil
            serve(e, as: .hit)
            return
        }
        let waited = Int((Clock.monotonicNanos() &- waitStarted) / 1_000_000)
        if found?.entry.filling == true && waited < location.lockTimeoutMillis {
            // proxy_cache_lock_age, for a request already waiting too: a fill that old lets this one through to
            // fetch (and store) the answer, and the next waiter's turn comes a lock age later.
            if beginFill(now: now) == .fill {
                waitTimer = nil
                holdsLock = true
                return exchange.startUpstream()
            }
            waitTimer?.arm(exactMillis: Self.lockPollMillis)
            return
        }
        waitTimer = nil
        if found?.entry.filling == true {
            mayStore = false   // lock_timeout: pass the request on, do not cache its answer
        } else if location.lock, beginFill(now: now) == .fill {
            holdsLock = true   // the filler gave up without storing: this request fills now
        }
        exchange.startUpstream()
    }

    // MARK: - Serving an entry

    /// Sends a stored response: the stored head rebuilt for this client, then the body — from memory when the
    /// entry keeps it inline, else with sendfile from the entry's shared descriptor.
    private func serve(_ e: CacheHotEntry, as status: CacheStatus) {
        let r = exchange.request, c = exchange.client
        let resp = e.response
        r.cacheStatus = status.bytes
        r.upstreamResponse = resp
        r.status = resp.status
        exchange.servedFromCache()
        // RFC 9111 §4.2.3: every response from the cache says how old it is (the stored head has no Age).
        let age = CacheAge.current(initialAge: e.meta.initialAge, storedAt: e.meta.storedAt, now: Int64(time(nil)))
        // not_modified and range filters: 304, 412, 206 or 416 instead of the whole entry.
        let filters = r.location.filtersBody ? BodyFilters.forUpstream(r, resp) : nil
        // An 8-bit charset_map keeps the length: ranges are served from the entry, their bytes recoded.
        let recode = filters?.sameLengthRecode
        if CacheFilters.answer(e, request: r, proxy: exchange.proxy, connection: c, age: age,
                               ranges: filters == nil || recode != nil, recode: recode) { return }
        // Content filters (SSI): the body through them (FilteredCacheHit.swift), before gzip. An 8-bit charset map
        // alone is applied below as the bytes go, keeping the length (unless gzip may compress: then the filter path).
        if let f = filters, recode == nil || r.location.gzip != nil {
            return FilteredCacheHit.serve(e, f, r, c, proxy: exchange.proxy, age: age)
        }
        // gzip applies to a HIT as to a MISS (nginx filters cached responses too): the entry's gzip variant, compressed
        // once and stored beside it (CacheGzipHit.swift), is sent; bodies over 1 MiB are sent as stored.
        var gzip = r.isSubrequest ? nil : r.location.gzip.map { GzipStage.decide($0, request: r, response: resp) }
        if let d = gzip, d.compress, r.head.method == .head {   // the GET's head with gzip's edits, nothing compressed
            r.responseHead = ResponseHeadBuilder.build(for: r, upstream: resp, proxy: exchange.proxy, connection: c,
                                                       chunked: false, gzip: d, age: age)
            r.sink.send(r.responseHead)
            return r.sink.responseComplete()
        }
        if let d = gzip, d.compress {
            if e.bodyLength <= Self.maxGzipOnHit,
               let body = CacheGzipHit.body(of: e, key: e.meta.key, decision: d, zone: zone,
                                            tempDirectory: { [location] in location.tempDirectory }, log: log) {
                serveCompressed(e, body, d, age: age)
                return
            }
            gzip = nil
        }
        var extra: [UInt8] = []
        if resp.contentLength == nil && resp.bodyFraming(requestMethod: .get) != .none {   // none on a 204 (RFC 9110 §8.6)
            extra = Array("Content-Length: ".utf8)
            ASCIIDecimal.append(e.bodyLength, to: &extra)
            extra += [13, 10]
        }
        // proxy_force_ranges: the range filter's own Accept-Ranges on a 200 it lets through whole.
        if exchange.proxy.forceRanges, resp.status == 200, r.errorStatus == 0, r.location.filters.maxRanges > 0,
           !r.isSubrequest {
            extra += ProxyExchange.acceptRanges
        }
        let out = ResponseHeadBuilder.build(for: r, upstream: resp, proxy: exchange.proxy, connection: c,
                                            chunked: false, extra: extra, gzip: gzip.map { d in
                                                var v = d; v.etag = .keep; return v }, age: age)
        r.responseHead = out
        if let body = e.inlineBody, r.head.method != .head {
            return sendWhole(out, recode.map { t in body.map { t[Int($0)] } } ?? body)
        }
        r.sink.send(out)
        if r.head.method == .head || e.bodyLength == 0 {
            r.sink.responseComplete()
            return
        }
        let sender = FileSender(request: r, fd: e.file.fd, offset: Int64(e.bodyOffset), remaining: Int64(e.bodyLength),
                                sharedOwner: e.file)
        sender.recode = recode
        r.sink.fileSender = sender
        sender.resume()
    }

    /// A HIT whose body is in memory: head and body in one write, and the response is done.
    private func sendWhole(_ head: [UInt8], _ body: [UInt8]) {
        let r = exchange.request
        r.sink.cork()
        r.sink.send(head)
        r.sink.send(body)
        r.sink.responseComplete()
        r.sink.uncork()
    }

    /// A compressed HIT: the entry's head with gzip's edits and the compressed length, then the variant's bytes
    /// (inline in the same write, or with sendfile from the variant's file).
    private func serveCompressed(_ e: CacheHotEntry, _ body: CacheGzipHit.Body, _ d: GzipDecision, age: Int64) {
        let r = exchange.request, c = exchange.client
        let out = ResponseHeadBuilder.build(for: r, upstream: e.response, proxy: exchange.proxy, connection: c,
                                            chunked: false, gzip: d, age: age, bodyLength: body.count)
        r.responseHead = out
        // nginx counts the whole member: the 10-byte header, the deflate bytes and the 8-byte trailer, as on a MISS.
        r.gzipRatio = GzipRatio(bytesIn: e.bodyLength, bytesOut: body.count)
        let inline: [UInt8]?
        switch body {
        case .bytes(let b): inline = b
        case .entry(let v): inline = v.inlineBody
        }
        if r.head.method == .head || body.count == 0 {
            r.sink.send(out)
            r.sink.responseComplete()
            return
        }
        if let inline { return sendWhole(out, inline) }
        guard case .entry(let v) = body else { return }
        r.sink.send(out)
        let sender = FileSender(request: r, fd: v.file.fd, offset: Int64(v.bodyOffset), remaining: Int64(v.bodyLength),
                                sharedOwner: v.file)
        r.sink.fileSender = sender
        sender.resume()
    }

    // MARK: - proxy_cache_use_stale, proxy_cache_revalidate

    /// The upstream failed: serve the expired entry when `proxy_cache_use_stale` (or its `stale-if-error`)
    /// covers the failure.
    func serveStale(after failure: UpstreamFailure) -> Bool {
        guard let s = stale, location.useStale.covers(failure) || Int64(time(nil)) < staleIfErrorUntil else { return false }
        stale = nil
        releaseLock()   // the update failed: the next request may try again
        serve(s, as: .stale)
        return true
    }

    /// The upstream answered: a 304 to our conditional request refreshes and serves the entry (REVALIDATED);
    /// an error status `proxy_cache_use_stale http_5xx` covers serves it as STALE. `stale-if-error` does not
    /// cover a status the upstream answered with (nginx since 1.19.3): only errors and timeouts (`serveStale`).
    /// False: the answer goes to the client (and maybe into the cache) as usual.
    func answeredFromCache(_ resp: ResponseHead) -> Bool {
        guard let s = stale else { return false }
        if resp.status == 304 && revalidating {
            stale = nil
            serve(refresh(s, notModified: resp), as: .revalidated)
            return true
        }
        guard location.useStale.covers(status: resp.status) else { return false }
        stale = nil
        releaseLock()
        serve(s, as: .stale)
        return true
    }

    /// A background update's answer: true when it was the 304 that refreshed the entry (nothing to store).
    func refreshedByNotModified(_ resp: ResponseHead) -> Bool {
        guard resp.status == 304, revalidating, let s = stale else { return false }
        stale = nil
        _ = refresh(s, notModified: resp)
        return true
    }

    /// A 304 confirmed the entry (RFC 9111 §4.3.4): its fields replace the stored ones (CacheStoredHead.updated),
    /// the entry is written again with the updated head and the same body, and its lifetime comes from the updated
    /// fields (else `proxy_cache_valid` for the stored status; nginx reads the 304's alone), its age from the 304.
    /// Returns the entry to serve: the updated one, or `s` when it could not be written.
    private func refresh(_ s: CacheHotEntry, notModified resp: ResponseHead) -> CacheHotEntry {
        defer { releaseLock() }
        guard mayStore else { return s }
        let now = Int64(time(nil))
        var head = CacheStoredHead.updated(s.response, with: resp)
        var parser = ResponseHeadParser()
        guard case .complete(var updated, _) = parser.parse(head) else { return s }
        // The updated directives may name fields to leave out (private="…", no-cache="…").
        let strip = CachePolicy.strippedFields(facts(of: updated), location.rules)
        if !strip.isEmpty {
            head = CacheStoredHead.updated(s.response, with: resp, without: strip)
            parser = ResponseHeadParser()
            guard case .complete(let again, _) = parser.parse(head) else { return s }
            updated = again
        }
        let answer = facts(of: resp)
        var meta = s.meta
        if let until = CachePolicy.revalidated(answer, updated: facts(of: updated), storedStatus: s.response.status,
                                               location.rules, now: now, requestTime: requestTime) {
            meta.validUntil = until
        }
        meta.storedAt = now
        meta.initialAge = CachePolicy.initialAge(answer, now: now, requestTime: requestTime)
        if s.response.status == 200 || s.response.status == 206 {
            meta.lastModified = updated.firstHeader("last-modified").flatMap { HTTPDate.parse($0) }
            meta.etag = updated.firstHeader("etag").map { Array($0) } ?? []
        }
        do {
            let bytes = try zone.storage.rewrite(meta, head: head, bodyFrom: s.file.fd, offset: s.bodyOffset,
                                                 length: s.bodyLength, tempDirectory: location.tempDirectory)
            let generation = zone.index.commit(key.digest, bytes: bytes, validUntil: meta.validUntil, now: now)
            guard let handle = try? zone.storage.open(key.digest) else { return s }
            guard let hot = CacheHotEntry(handle: handle) else { handle.close(); return s }
            zone.index.attachHot(key.digest, hot, generation: generation)
            return hot
        } catch {
            writeFailed(error)
            return s
        }
    }

    /// The cache-relevant headers of an upstream response, with this location's RFC 9213 target list.
    private func facts(of resp: ResponseHead) -> CacheResponseFacts {
        CacheResponseFacts(resp, targetFields: location.rules.targetFields)
    }

    // MARK: - Filling

    /// The upstream response head arrived: decide whether to store it and open the temp file.
    func responseStarted(_ resp: ResponseHead) {
        if let inv = invalidation {
            if CacheInvalidation.invalidates(status: resp.status) { invalidate(inv, after: resp) }
            return
        }
        // A HEAD sent upstream as HEAD (convert_head off) is stored headers-only, usable by HEAD requests alone.
        let headOnly = requestHead.method == .head && !convertsHead
        guard mayStore, uses >= location.rules.minUses, storesBuffered(resp) else { return releaseLock() }
        let now = Int64(time(nil))
        guard case .store(let plan) = CachePolicy.store(facts, facts(of: resp), location.rules, now: now,
                                                        requestTime: requestTime) else {
            return releaseLock()
        }
        let variant = plan.varyNames.isEmpty ? nil : varyHash(plan.varyNames)
        let storeKey = CacheVary.storeKey(main: mainKey, lookedUp: key, responseHash: variant)
        if storeKey != key {   // not this secondary key's variant: it replaces the main entry (nginx takes no lock there)
            releaseLock()
            key = storeKey
        }
        var meta = CacheEntryMeta(key: key, validUntil: plan.validUntil, storedAt: now, varyNames: plan.varyNames,
                                  varyHash: variant ?? CacheVary.none,
                                  flags: plan.sharedWithAuthorization ? .sharedWithAuthorization : [])
        meta.initialAge = plan.initialAge
        meta.variantLine = key == mainKey ? CacheVary.variantLine(replacing: mainLine) : mainLine ?? 0
        meta.bodyID = UInt64.random(in: 1...UInt64.max)   // a gzip variant is tied to this body (CacheGzipVariant)
        if headOnly { meta.flags.insert(.headOnly) }
        // Validators for proxy_cache_revalidate: of a 200 or 206 only, as nginx (a 201 is fetched again whole).
        if resp.status == 200 || resp.status == 206 {
            meta.lastModified = resp.firstHeader("last-modified").flatMap { HTTPDate.parse($0) }
            meta.etag = resp.firstHeader("etag").map { Array($0) } ?? []
        }
        do {
            // Without Age, Connection and the fields it names (RFC 9111 §3.1), nor those private="…" / no-cache="…"
            // name (§5.2.2.4, §5.2.2.7): a HIT relays the stored fields as they are.
            writer = try zone.storage.beginWrite(meta, head: CacheStoredHead.forStorage(resp, without: plan.strippedFields),
                                                 tempDirectory: location.tempDirectory)
            validUntil = plan.validUntil
        } catch {
            writeFailed(error)
        }
        if headOnly { bodyComplete() }   // no body will follow
    }

    /// nginx stores only an answer it buffers: not under `proxy_buffering off`, nor when the upstream says
    /// `X-Accel-Buffering: no` (`yes` turns buffering on under `off`), unless proxy_ignore_headers names the field.
    /// A streamed answer (server-sent events, long polling) is never replayed from the cache.
    private func storesBuffered(_ resp: ResponseHead) -> Bool {
        guard !location.rules.ignoreHeaders.contains(.xAccelBuffering),
              let value = resp.firstHeader("x-accel-buffering") else { return location.buffering }
        if ASCII.equalsIgnoringCase(value, "no".utf8) { return false }
        if ASCII.equalsIgnoringCase(value, "yes".utf8) { return true }
        return location.buffering
    }

    /// RFC 9111 §4.4: drops the entries for the request's URI and the same-host URIs of the answer's `Location`
    /// and `Content-Location` (the key's request-URI suffix replaced by theirs).
    private func invalidate(_ inv: Invalidation, after resp: ResponseHead) {
        var locations: [[UInt8]] = []
        if let l = resp.firstHeader("location") { locations.append(Array(l)) }
        if let l = resp.firstHeader("content-location") { locations.append(Array(l)) }
        for k in CacheInvalidation.keys(requestKey: key.text, requestURI: inv.uri, host: inv.host, locations: locations) {
            for d in [k.digest, k.gzipVariant.digest] {   // and its gzip variant
                zone.index.remove(d)
                zone.storage.remove(d)
            }
        }
    }

    /// `proxy_intercept_errors` answered the upstream's error with an error page: the error is cached as its
    /// status alone, for as long as the response would have been (its Cache-Control or Expires, else
    /// `proxy_cache_valid` for the status), as nginx keeps it in the zone's node.
    func errorIntercepted(_ resp: ResponseHead) {
        guard invalidation == nil, mayStore, uses >= location.rules.minUses else { return }
        let now = Int64(time(nil))
        guard case .store(let plan) = CachePolicy.store(facts, facts(of: resp), location.rules, now: now,
                                                        requestTime: requestTime) else { return }
        zone.index.commitError(key.digest, status: resp.status, validUntil: plan.validUntil, now: now)
    }

    /// The edits for the request sent upstream; nil when this request is not cached (an invalidating one goes as
    /// it came, validators and all).
    func headEditsIfCaching() -> UpstreamRequest.CacheEdits? {
        guard invalidation == nil else { return nil }
        var edits = headEdits()
        edits.keepsClientConditions = scarce
        return edits
    }

    /// nginx's not_modified filter on a response being stored (nginx disables it for responses it does not
    /// cache): true when the client gets a 304 while the body goes on into the entry.
    func answersNotModified(_ resp: ResponseHead, request r: Request) -> Bool {
        guard writer != nil, resp.status == 200, !convertsHead, ConditionalFields.present(in: r.head) else { return false }
        let fields = ConditionalFields(r.head)
        guard fields.hasPreconditions else { return false }
        let lastModified = resp.firstHeader("last-modified").flatMap { HTTPDate.parse($0) }
        return NotModifiedFilter.verdict(fields, lastModified: lastModified, etag: resp.firstHeader("etag"),
                                         mode: r.location.filters.ifModifiedSince) == .notModified
    }

    /// Whether nginx's range filter may cut a response being stored that said Accept-Ranges (its `allow_ranges`
    /// for a cacheable response): the client gets the part while the whole body fills the entry.
    func rangesWhileStoring(_ resp: ResponseHead) -> Bool {
        writer != nil && !convertsHead && resp.firstHeader("accept-ranges") != nil
    }

    /// nginx's range filter on a proxied 200 it may cut, with its `single_range` (one part at most): the part, a
    /// 416 when nothing asked is in the body, or the whole response (no Range, more than one part, a failed
    /// If-Range). Nil where the filter leaves the response alone: not a 200, no length, `max_ranges 0`.
    static func singleRange(_ resp: ResponseHead, request r: Request) -> RangeVerdict? {
        guard resp.status == 200, r.errorStatus == 0, let length = resp.contentLength, r.location.filters.maxRanges > 0
        else { return nil }
        guard ConditionalFields.present(in: r.head) else { return .whole }
        let fields = ConditionalFields(r.head)
        let lastModified = resp.firstHeader("last-modified").flatMap { HTTPDate.parse($0) }
        return RangeFilter.evaluate(fields, length: length, lastModified: lastModified, etag: resp.firstHeader("etag"),
                                    maxRanges: 1)
    }

    /// Whether the answer is worth reading on after the client left (nginx's `u->cacheable`): before the head,
    /// a request that may store what comes (or refresh its stale entry by a 304); after it, an entry being written.
    func fillsWithoutClient(headReceived: Bool) -> Bool {
        headReceived ? writer != nil : invalidation == nil && mayStore && uses >= location.rules.minUses
    }

    /// A piece of the upstream body (decoded from chunked, before gzip) on its way to the client.
    func bodyPiece(_ piece: ByteView) {
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
        stale = nil
    }

    private func releaseLock() {
        if holdsLock { zone.index.endFill(key.digest) }
        holdsLock = false
    }

    private func writeFailed(_ error: CacheStorageError) {
        log(error.text(cacheFile: zone.storage.path(for: key.digest)) + ", not cached")
        releaseLock()
    }

    func log(_ message: String) {
        worker.log(.error, message, clientID)
    }

    // MARK: - The request sent upstream

    /// What this request changes in the head sent upstream (`UpstreamRequest.CacheEdits`): decided before
    /// the head is built, so nothing patches serialized bytes. Stable across retries.
    func headEdits() -> UpstreamRequest.CacheEdits {
        requestTime = Int64(time(nil))   // built as the request goes upstream (each try)
        var edits = UpstreamRequest.CacheEdits(headAsGET: convertsHead)
        if revalidating, let s = stale {
            for h in CacheRevalidation.headers(for: s.meta) {
                edits.conditions += Array(h.name.utf8) + [58, 32] + h.value + [13, 10]
            }
        }
        return edits
    }

    /// The cache's edits for a CGI application's request (CGIVars): nil when this request is not cached (an
    /// invalidating one goes as it came); else the stale entry's validators when revalidating, none otherwise.
    /// The client's own validators and ranges are left out either way, as nginx's CGI modules do when caching.
    func cgiValidatorsIfCaching() -> [(name: String, value: [UInt8])]? {
        guard invalidation == nil, !scarce else { return nil }
        requestTime = Int64(time(nil))   // built as the request goes upstream (each try)
        guard revalidating, let s = stale else { return [] }
        return CacheRevalidation.headers(for: s.meta)
    }

    /// The request a background update sends, in the location's protocol (HTTP, or its CGI encoder); nil when
    /// it cannot be written (a uwsgi packet over 64 KiB).
    func upstreamHead(for r: Request, proxy: ProxyRuntime) -> [UInt8]? {
        guard let f = proxy.cgi else { return UpstreamRequest.build(r, proxy: proxy, bodyLength: nil, cache: headEdits()) }
        var w = HeadWriter(capacity: r.head.bytes.count + 256)
        if CGIRequest.write(r, f, bodyLength: nil, cache: self, into: &w) != nil { return nil }
        return w.finish()
    }
}

extension CacheStatus {
    /// The `$upstream_cache_status` value as bytes, built once per status rather than per request.
    var bytes: [UInt8] {
        switch self {
        case .miss: Self.missBytes
        case .bypass: Self.bypassBytes
        case .expired: Self.expiredBytes
        case .stale: Self.staleBytes
        case .updating: Self.updatingBytes
        case .revalidated: Self.revalidatedBytes
        case .hit: Self.hitBytes
        }
    }

    private static let missBytes = Array(CacheStatus.miss.rawValue.utf8)
    private static let bypassBytes = Array(CacheStatus.bypass.rawValue.utf8)
    private static let expiredBytes = Array(CacheStatus.expired.rawValue.utf8)
    private static let staleBytes = Array(CacheStatus.stale.rawValue.utf8)
    private static let updatingBytes = Array(CacheStatus.updating.rawValue.utf8)
    private static let revalidatedBytes = Array(CacheStatus.revalidated.rawValue.utf8)
    private static let hitBytes = Array(CacheStatus.hit.rawValue.utf8)
}
