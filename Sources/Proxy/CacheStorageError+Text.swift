import Cache
import EventLoop

extension CacheStorageError {
    /// The error log's words for a failure on `what` (`cache file "…"`, a proxy_store file's `"…"`), reading or
    /// writing it, in nginx's form: `open() on cache file "…" failed (24: Too many open files)`.
    func text(about what: String) -> String {
        switch self {
        case .notFound: "\(what) is missing"
        case .corrupt: "\(what) is corrupt or truncated"
        case .noSpace: "write() to \(what) failed (28: No space left on device)"
        case .io(let op, let e): "\(op)() on \(what) failed (\(e): \(Syscall.describe(e)))"
        case .create(let path, let e): "open() \"\(path)\" failed (\(e): \(Syscall.describe(e)))"
        }
    }

    /// `text(about:)` for the cache entry at `path`.
    func text(cacheFile path: String) -> String { text(about: "cache file \"\(path)\"") }
}
