import Cache
import Config
import EventLoop
import Glibc
import Synchronization

/// One `proxy_cache_path` zone: its files (`FileStorage`) and its shared index (`CacheIndex`), used by every
/// worker. A reload keeps the zone object when the name and path stay, so the index survives.
///
///     let zone = CacheZone(config: path, errorLog: log)   // starts the loader and the manager threads
///
/// Two background threads per zone, as nginx's cache loader and cache manager processes: the loader walks
/// the disk in batches at start (serving never waits for it: a lookup the index does not know yet opens the
/// file itself), the manager enforces `inactive` and `max_size` and deletes evicted files, off the workers.
/// Both hold the zone weakly between steps, so a zone a reload dropped (or a failed reload built) ends them;
/// nobody joins them (they are detached), and at exit they stop with the process, as nginx's helpers do.
final class CacheZone: @unchecked Sendable {
    let name: String
    let path: String
    /// The module whose `*_cache_path` declared it: only that module's `*_cache` may use it.
    let module: CacheModule
    let storage: FileStorage
    let index: CacheIndex
    /// `use_temp_path=on` (nginx's default): responses are written under the location's `proxy_temp_path`
    /// and renamed into the zone; off: beside the entry.
    let useTempPath: Bool
    /// True until the loader has walked the whole tree.
    private let loading = Atomic<Bool>(true)
    /// The error log of the runtime that created the zone (a reload keeps it: same file path in practice).
    let errorLog: ErrorLogFile

    /// Files handled per loader batch (nginx's loader_files default), unless `loader_files=` says.
    static let loaderBatch = 100
    /// How often the manager runs (nginx's manager wakes up at least every 10 s; we are cheaper and prompter), and
    /// the most entries it removes a pass, unless `manager_sleep=` and `manager_files=` say.
    static let managerIntervalMillis = 200
    static let managerPassLimit = 10_000
    let pacing: CachePacing

    /// `start: false` (for `-t`) builds the zone without touching the disk or starting its threads.
    init(config: CachePath, errorLog: ErrorLogFile, start: Bool = true) {
        name = config.zoneName
        path = config.path
        module = config.module
        let levels = CacheLevels(config.levels) ?? CacheLevels([])!
        storage = FileStorage(root: config.path, levels: levels)
        index = CacheIndex(limits: CacheIndexLimits(zoneBytes: config.zoneSize, maxSize: config.maxSize ?? .max,
                                                    inactive: Int64(config.inactive.components.seconds),
                                                    minFree: config.minFree ?? 0))
        useTempPath = config.useTempPath
        pacing = config.pacing
        self.errorLog = errorLog
        guard start else { return }
        CacheDirectory.make(config.path)
        startLoader(levels: levels)
        startManager()
    }

    var isLoading: Bool { loading.load(ordering: .acquiring) }

    private func startLoader(levels: CacheLevels) {
        let weak = WeakZone(self)
        let root = path
        let batchSize = max(1, pacing.loaderFiles ?? Self.loaderBatch)
        let pauseMillis = pacing.loaderSleepMillis ?? 0
        WorkerThread.spawn {
            let walker = CacheDiskWalker(root: root, levels: levels)
            var pause = Self.timespec(millis: pauseMillis)
            var first = true
            while let batch = walker.next(max: batchSize) {
                if !first && pauseMillis > 0 { nanosleep(&pause, nil) }
                first = false
                guard let zone = weak.zone else { return }
                for item in batch {
                    if case .corrupt(let p) = item {
                        zone.errorLog.log(.error, "cache file \"\(p)\" is corrupt, removed by the cache loader")
                    }
                }
                for p in zone.index.load(batch, now: Int64(time(nil))) { unlink(p) }
            }
            guard let zone = weak.zone else { return }
            zone.loading.store(false, ordering: .releasing)
            zone.errorLog.log(.notice, "http file cache: \(zone.path) \(zone.index.totalSize / 1_048_576)M, zone \"\(zone.name)\" loaded")
        }.detach()
    }

    private func startManager() {
        let weak = WeakZone(self)
        let limit = max(1, pacing.managerFiles ?? Self.managerPassLimit)
        let intervalMillis = max(1, pacing.managerSleepMillis ?? Self.managerIntervalMillis)
        WorkerThread.spawn {
            var ts = Self.timespec(millis: intervalMillis)
            while true {
                guard let zone = weak.zone else { return }
                let free = zone.index.limits.minFree > 0 ? Self.freeBytes(zone.path) : nil
                for key in zone.index.manage(now: Int64(time(nil)), limit: limit, freeBytes: free) { zone.storage.remove(key) }
                nanosleep(&ts, nil)
            }
        }.detach()
    }

    static func timespec(millis: Int) -> Glibc.timespec {
        Glibc.timespec(tv_sec: millis / 1000, tv_nsec: (millis % 1000) * 1_000_000)
    }

    /// Space left for unprivileged users on the zone's filesystem (what `min_free` is compared with).
    static func freeBytes(_ path: String) -> Int? {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        return Int(st.f_bavail) * Int(st.f_frsize)
    }

    /// The zones a new runtime serves with: kept from `previous` when name and path match, else new.
    /// Zones the new configuration drops stop their threads once the old runtime is gone (they are weakly held).
    static func zones(for paths: [CachePath], previous: [String: CacheZone], errorLog: ErrorLogFile,
                      start: Bool = true) -> [String: CacheZone] {
        var out: [String: CacheZone] = [:]
        for p in paths {
            if let old = previous[p.zoneName], old.path == p.path, old.module == p.module { out[p.zoneName] = old; continue }
            out[p.zoneName] = CacheZone(config: p, errorLog: errorLog, start: start)
        }
        return out
    }
}

/// The background threads' reference to their zone: gone once no runtime uses the zone.
private final class WeakZone: @unchecked Sendable {
    weak var zone: CacheZone?
    init(_ zone: CacheZone) { self.zone = zone }
}

/// The zone root, so the first write and the loader find it: its last component only, as nginx's
/// ngx_create_paths makes it. A missing parent is TempDirectories' `[emerg] mkdir() … failed`, which stops the
/// start or the reload that named the path.
enum CacheDirectory {
    static func make(_ path: String) {
        mkdir(path, 0o700)
    }
}
