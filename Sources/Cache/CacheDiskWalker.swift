import Glibc

/// What the start-up loader finds on disk.
public enum CacheDiskItem: Sendable, Equatable {
    /// A valid entry: its key, file size in bytes, freshness and path.
    case entry(key: CacheDigest, bytes: Int, validUntil: Int64, path: String)
    /// A file named like an entry that fails validation: delete it (and log `[error]`).
    case corrupt(path: String)
    /// A leftover temp file from a crashed write: delete it.
    case staleTemp(path: String)
}

/// Walks a `proxy_cache_path` tree in batches, so the loader never holds the index lock (or a
/// worker) for long: the lead's background loader calls `next(max:)` and feeds `CacheIndex.load`,
/// as nginx's cache loader does with `loader_files`/`loader_sleep`.
///
///     let walker = CacheDiskWalker(root: "/home/cache", levels: levels)
///     while let batch = walker.next(max: 100) { for path in index.load(batch, now: now) { unlink(path) } }
///
/// Only names that fit the layout are considered: level directories of the configured lengths and
/// 32-hex file names at the bottom; anything else is left alone. Temp files of this process (pid in
/// the name) are skipped, since a write may be in progress.
public final class CacheDiskWalker {
    private struct Level {
        let dir: DirectoryStream
        let path: String
        let depth: Int
    }

    private let levels: CacheLevels
    private var stack: [Level] = []
    private let ownTempMarker: String

    public init(root: String, levels: CacheLevels) {
        self.levels = levels
        ownTempMarker = ".\(getpid())."
        let root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        if let d = DirectoryStream(path: root) { stack.append(Level(dir: d, path: root, depth: 0)) }
    }

    /// Up to `max` items, or nil once the whole tree has been walked.
    public func next(max: Int) -> [CacheDiskItem]? {
        var items: [CacheDiskItem] = []
        while items.count < max, let top = stack.last {
            guard let entry = top.dir.next() else {
                stack.removeLast()
                continue
            }
            let name = entry.name
            if name == "." || name == ".." { continue }
            let path = top.path + "/" + name
            let type = entry.type == UInt8(DT_UNKNOWN) ? Self.typeOf(path) : entry.type
            if top.depth < levels.lengths.count {
                guard type == UInt8(DT_DIR), name.utf8.count == levels.lengths[top.depth], Self.isHex(name) else { continue }
                if let d = DirectoryStream(path: path) { stack.append(Level(dir: d, path: path, depth: top.depth + 1)) }
                continue
            }
            guard type == UInt8(DT_REG) else { continue }
            if name.hasSuffix(".tmp") {
                if !name.contains(ownTempMarker) { items.append(.staleTemp(path: path)) }
                continue
            }
            guard let key = CacheDigest(hex: Array(name.utf8)) else { continue }
            items.append(Self.inspect(path, key: key))
        }
        return items.isEmpty && stack.isEmpty ? nil : items
    }

    private static func inspect(_ path: String, key: CacheDigest) -> CacheDiskItem {
        guard let fd = try? FileIO.openRead(path) else { return .corrupt(path: path) }
        defer { FileIO.close(fd) }
        guard let layout = try? FileStorage.readLayout(fd, expected: key) else { return .corrupt(path: path) }
        return .entry(
            key: key, bytes: layout.bodyOffset + layout.bodyLength, validUntil: layout.meta.validUntil, path: path)
    }

    private static func typeOf(_ path: String) -> UInt8 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return UInt8(DT_UNKNOWN) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return UInt8(DT_DIR)
        case S_IFREG: return UInt8(DT_REG)
        default: return UInt8(DT_UNKNOWN)
        }
    }

    private static func isHex(_ s: String) -> Bool {
        s.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }
}

extension CacheIndex {
    /// Rebuilds the index from disk in one go (tests, small caches). Returns files to delete.
    /// A big cache should use `CacheDiskWalker` in batches from a background thread instead.
    public func loadFromDisk(root: String, levels: CacheLevels, now: Int64, batch: Int = 256) -> [String] {
        let walker = CacheDiskWalker(root: root, levels: levels)
        var remove: [String] = []
        while let items = walker.next(max: batch) { remove += load(items, now: now) }
        return remove
    }
}
