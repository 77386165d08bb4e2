/// nginx's `open_log_file_cache` for one worker: which log files (paths with variables) stay open, as
/// ngx_open_cached_file decides it. Pure: the writer opens, writes and closes; this table only says which
/// descriptor to use and which to close. Times are milliseconds of a monotonic clock.
///
/// A path is kept open once it was written `minUses` times while in the table; a kept descriptor is used for
/// `valid`, then the path is opened again (a renamed file or directory is noticed then, not before, as in
/// nginx); an entry unused for `inactive` goes; a full table drops its least recently used entry.
struct LogFileCache {
    struct Entry {
        var fd: Int32 = -1
        var uses = 1
        var accessed: Int64
        var created: Int64
        var tick: UInt64
    }

    enum Step: Equatable {
        /// Write to this kept descriptor.
        case cached(Int32)
        /// Open the path, then report it with `opened` (or `openFailed`).
        case open
    }

    let max: Int
    let minUses: Int
    let inactiveMillis: Int64
    let validMillis: Int64
    private(set) var entries: [[UInt8]: Entry] = [:]
    private var tick: UInt64 = 0
    private var lastSweep: Int64 = 0

    init(max: Int, minUses: Int, inactiveMillis: Int64, validMillis: Int64) {
        self.max = max; self.minUses = minUses
        self.inactiveMillis = inactiveMillis; self.validMillis = validMillis
    }

    /// The first step for a line to `path`; descriptors that must be closed now go to `closing`.
    mutating func begin(_ path: [UInt8], now: Int64, closing: inout [Int32]) -> Step {
        sweep(now: now, closing: &closing)
        guard var e = entries[path] else { return .open }
        tick &+= 1
        e.uses += 1
        e.accessed = now
        e.tick = tick
        if e.fd >= 0 && now - e.created < validMillis {
            entries[path] = e
            return .cached(e.fd)
        }
        if e.fd >= 0 { closing.append(e.fd); e.fd = -1 }
        entries[path] = e
        return .open
    }

    /// `fd` was opened for `path` after `.open`: true when the writer closes it after the line (the path is
    /// not used often enough yet); false when the table keeps it.
    mutating func opened(_ path: [UInt8], fd: Int32, now: Int64, closing: inout [Int32]) -> Bool {
        if var e = entries[path] {
            guard e.uses >= minUses else { return true }
            e.fd = fd
            e.created = now
            entries[path] = e
            return false
        }
        if entries.count >= max, let oldest = entries.min(by: { $0.value.tick < $1.value.tick }) {
            if oldest.value.fd >= 0 { closing.append(oldest.value.fd) }
            entries[oldest.key] = nil
        }
        tick &+= 1
        let keep = minUses <= 1
        entries[path] = Entry(fd: keep ? fd : -1, accessed: now, created: now, tick: tick)
        return !keep
    }

    /// The path could not be opened: nginx forgets it.
    mutating func openFailed(_ path: [UInt8], closing: inout [Int32]) {
        if let e = entries.removeValue(forKey: path), e.fd >= 0 { closing.append(e.fd) }
    }

    /// Every kept descriptor (a reload's old writer, or SIGUSR1: the files are opened again by path).
    mutating func removeAll(closing: inout [Int32]) {
        for e in entries.values where e.fd >= 0 { closing.append(e.fd) }
        entries.removeAll()
    }

    /// Entries unused for `inactive`, looked for at most once a second.
    private mutating func sweep(now: Int64, closing: inout [Int32]) {
        guard now - lastSweep >= 1000 || now < lastSweep else { return }
        lastSweep = now
        for (path, e) in entries where now - e.accessed >= inactiveMillis {
            if e.fd >= 0 { closing.append(e.fd) }
            entries[path] = nil
        }
    }
}
