import HTTP1
import Glibc

/// The cache's only syscalls: open/pread/pwrite/fstat/rename/unlink/mkdir with EINTR retried and
/// errno turned into `CacheStorageError`, and the loader's `DirectoryStream`: all pointer code of the Cache
/// module lives in this file.
package enum FileIO {
    static func error(_ op: String) -> CacheStorageError {
        let e = errno
        if e == ENOSPC || e == EDQUOT { return .noSpace }
        if e == ENOENT && (op == "open" || op == "stat") { return .notFound }
        return .io(operation: op, errno: e)
    }

    static func openRead(_ path: String) throws(CacheStorageError) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error("open") }
        }
    }

    package static func create(_ path: String) throws(CacheStorageError) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error("open") }
        }
    }

    static func openWrite(_ path: String) throws(CacheStorageError) -> Int32 {
        while true {
            let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error("open") }
        }
    }

    package static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// False once the file has no name left (unlinked while open), or when fstat fails.
    static func isLinked(_ fd: Int32) -> Bool {
        var st = stat()
        return fstat(fd, &st) == 0 && st.st_nlink > 0
    }

    static func size(_ fd: Int32) throws(CacheStorageError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw error("fstat") }
        return Int(st.st_size)
    }

    /// Reads exactly `count` bytes at `offset` (fewer only at end of file).
    @discardableResult
    package static func pread(_ fd: Int32, at offset: Int, count: Int, into output: inout [UInt8]) throws(CacheStorageError) -> Int {
        let start = output.count
        output += repeatElement(0, count: count)
        var done = 0
        var failure: CacheStorageError? = nil
        output.withUnsafeMutableBytes { buf in
            while done < count {
                let n = Glibc.pread(fd, buf.baseAddress! + start + done, count - done, off_t(offset + done))
                if n > 0 {
                    done += n
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    failure = error("pread")
                    break
                }
            }
        }
        output.removeLast(count - done)
        if let failure { throw failure }
        return done
    }

    static func write(_ fd: Int32, _ view: ByteView) throws(CacheStorageError) {
        try view.withRawBytes { bytes throws(CacheStorageError) in try write(fd, bytes) }
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(CacheStorageError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw n == 0 ? .noSpace : error("write")
            }
        }
    }

    package static func write(_ fd: Int32, _ bytes: [UInt8]) throws(CacheStorageError) {
        let result: Result<Void, CacheStorageError> = bytes.withUnsafeBytes { b in
            do throws(CacheStorageError) {
                try write(fd, b)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    static func pwrite(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws(CacheStorageError) {
        let n = bytes.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress!, $0.count, off_t(offset)) }
        guard n == bytes.count else { throw n < 0 ? error("pwrite") : .io(operation: "pwrite", errno: EIO) }
    }

    static func chmod(_ fd: Int32, _ mode: UInt32) throws(CacheStorageError) {
        guard Glibc.fchmod(fd, mode_t(mode)) == 0 else { throw error("fchmod") }
    }

    /// Access and modification time both `seconds` (nginx's ngx_set_file_time).
    static func setModified(_ fd: Int32, _ seconds: Int64) throws(CacheStorageError) {
        var times = [timespec(tv_sec: Int(seconds), tv_nsec: 0), timespec(tv_sec: Int(seconds), tv_nsec: 0)]
        guard times.withUnsafeMutableBufferPointer({ Glibc.futimens(fd, $0.baseAddress) }) == 0 else {
            throw error("futimens")
        }
    }

    static func fsync(_ fd: Int32) throws(CacheStorageError) {
        guard Glibc.fsync(fd) == 0 else { throw error("fsync") }
    }

    static func rename(_ from: String, _ to: String) throws(CacheStorageError) {
        guard Glibc.rename(from, to) == 0 else { throw error("rename") }
    }

    /// `rename(2)`; across filesystems (a `proxy_temp_path` elsewhere) the file is copied beside `to`
    /// first, so the entry still appears whole. Missing directories of `to` are made with `directoryMode`.
    static func renameOrCopy(_ from: String, _ to: String, directoryMode: UInt32 = 0o700) throws(CacheStorageError) {
        if Glibc.rename(from, to) == 0 { return }
        if errno == ENOENT, let slash = to.lastIndex(of: "/") {   // the entry's level directories are new
            try makeDirectories(String(to[..<slash]), mode: directoryMode)
            if Glibc.rename(from, to) == 0 { return }
        }
        guard errno == EXDEV else { throw error("rename") }
        let near = to + ".\(getpid()).copy.tmp"
        let src = try openRead(from)
        defer { close(src) }
        let dst = try create(near)
        var offset = 0
        var chunk: [UInt8] = []
        do {
            while true {
                chunk.removeAll(keepingCapacity: true)
                let n = try pread(src, at: offset, count: 1 << 16, into: &chunk)
                if n == 0 { break }
                try write(dst, chunk)
                offset += n
            }
            var st = stat()   // the copy keeps the mode and times commit gave the temp file (proxy_store's)
            if fstat(src, &st) == 0 {
                _ = fchmod(dst, st.st_mode & 0o7777)
                var times = [st.st_atim, st.st_mtim]
                _ = times.withUnsafeMutableBufferPointer { futimens(dst, $0.baseAddress) }
            }
            close(dst)
            try rename(near, to)
        } catch {
            close(dst)
            unlink(near)
            throw error
        }
        unlink(from)
    }

    package static func unlink(_ path: String) { _ = Glibc.unlink(path) }

    /// mkdir -p, tolerating directories created concurrently by other workers.
    package static func makeDirectories(_ path: String, mode: UInt32 = 0o700) throws(CacheStorageError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if Glibc.mkdir(current, mode_t(mode)) != 0 && errno != EEXIST { throw error("mkdir") }
        }
    }
}

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
