import Glibc

/// One open directory (`DIR *`), read entry by entry: the cache loader's only directory handle, so the
/// walker above it holds no pointers. Closed when the last reference goes.
final class DirectoryStream {
    /// One entry: its name and `d_type` (`DT_UNKNOWN` on file systems that do not fill it in).
    struct Entry {
        let name: String
        let type: UInt8
    }

    private let dir: OpaquePointer

    /// Nil when the directory cannot be opened (gone, not a directory, no permission).
    init?(path: String) {
        guard let d = opendir(path) else { return nil }
        dir = d
    }

    deinit { closedir(dir) }

    /// The next entry, "." and ".." included, or nil at the end (or on a read error, which ends the walk too).
    func next() -> Entry? {
        guard let ent = readdir(dir) else { return nil }
        // d_name is a fixed-size C array inside the entry, NUL-terminated.
        let name = withUnsafePointer(to: &ent.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        return Entry(name: name, type: ent.pointee.d_type)
    }
}
