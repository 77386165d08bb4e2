import Cache
import Glibc
import Gzip
import HTTP1

/// gzip on a cache HIT, compressed once: the entry's gzip variant (Cache/CacheGzipVariant.swift) is looked up
/// beside it and its bytes sent; only the first HIT after the entry was stored (or after another location's gzip
/// settings asked) compresses, as every HIT did before, and stores the result for the next ones.
enum CacheGzipHit {
    /// The compressed body to send: a stored variant (inline or with sendfile), or fresh bytes when it could not
    /// be stored.
    enum Body {
        case entry(CacheHotEntry)
        case bytes([UInt8])

        var count: Int {
            switch self {
            case .entry(let v): v.bodyLength
            case .bytes(let b): b.count
            }
        }
    }

    /// `e`'s body compressed as `d` says; nil when it cannot be read or compressed (the caller sends it as stored).
    /// `tempDirectory` is asked only when a variant is written.
    static func body(of e: CacheHotEntry, key: CacheKey, decision d: GzipDecision, zone: CacheZone,
                     tempDirectory: () -> String?, log: (String) -> Void) -> Body? {
        let parameters = CacheGzipVariant.parameters(level: d.level, windowBits: d.windowBits, memLevel: d.memLevel)
        let variantKey = key.gzipVariant
        let now = Int64(time(nil))
        let found = zone.index.find(variantKey.digest, now: now)
        if let v = found.hot {
            if CacheGzipVariant.matches(v.meta, e.meta, parameters: parameters) { return .entry(v) }
        } else if found.entry.exists || zone.isLoading,
                  let v = load(variantKey, generation: found.generation, indexed: found.entry.exists, zone: zone),
                  CacheGzipVariant.matches(v.meta, e.meta, parameters: parameters) {
            // While the loader runs the index may not know a variant that is on disk (after a restart): its file
            // is looked at, as for the entry itself (CacheExchange.entry), not compressed and written again.
            return .entry(v)
        }
        guard let bytes = compress(e, d) else { return nil }
        guard e.meta.bodyID != 0 else { return .bytes(bytes) }   // nothing to tie a variant to
        return store(bytes, of: e, parameters: parameters, zone: zone, tempDirectory: tempDirectory(), now: now, log: log)
            .map(Body.entry) ?? .bytes(bytes)
    }

    /// The whole body through one gzip stream, as the gzip filter compresses a HIT (the same bytes).
    private static func compress(_ e: CacheHotEntry, _ d: GzipDecision) -> [UInt8]? {
        guard let plain = e.readBody(), let filter = try? GzipBodyFilter(decision: d) else { return nil }
        return plain.withByteView { filter.compressWhole($0) }
    }

    /// Writes the variant entry and keeps it hot; nil when it could not be written (the bytes are sent anyway).
    private static func store(_ bytes: [UInt8], of e: CacheHotEntry, parameters: UInt32, zone: CacheZone,
                              tempDirectory: String?, now: Int64, log: (String) -> Void) -> CacheHotEntry? {
        let meta = CacheGzipVariant.meta(of: e.meta, parameters: parameters)
        let digest = meta.key.digest
        do throws(CacheStorageError) {
            let w = try zone.storage.beginWrite(meta, head: CacheGzipVariant.head(bodyLength: bytes.count),
                                                tempDirectory: tempDirectory)
            var failed: CacheStorageError?
            bytes.withByteView { v in
                do throws(CacheStorageError) { try w.append(v) } catch { failed = error }
            }
            if let failed {
                w.abort()
                throw failed
            }
            let size = try w.commit()
            let generation = zone.index.commit(digest, bytes: size, validUntil: e.meta.validUntil, now: now)
            return load(meta.key, generation: generation, indexed: true, zone: zone)
        } catch {
            if error != .noSpace { log(error.text(cacheFile: zone.storage.path(for: digest))) }
            return nil
        }
    }

    /// Opens a stored variant and keeps it hot; nil when it is missing or damaged (then removed). A file the index
    /// did not know yet (`indexed` false: the loader has not reached it) is entered into the index first.
    private static func load(_ key: CacheKey, generation: UInt64, indexed: Bool, zone: CacheZone) -> CacheHotEntry? {
        guard let handle = try? zone.storage.open(key.digest) else { return nil }
        guard let hot = CacheHotEntry(handle: handle) else {
            handle.close()
            zone.storage.remove(key.digest)
            zone.index.remove(key.digest)
            return nil
        }
        var generation = generation
        if !indexed {
            generation = zone.index.commit(key.digest, bytes: hot.bodyOffset + hot.bodyLength,
                                           validUntil: hot.meta.validUntil, now: Int64(time(nil)))
        }
        zone.index.attachHot(key.digest, hot, generation: generation)
        return hot
    }
}
