import Glibc
import Synchronization

/// `proxy_store`'s file: a response body written into a temp file under `proxy_temp_path` by the cache's writer
/// (FileCacheWriter, with no entry prefix), then given its mode and modification time and renamed to its path,
/// the missing directories made on the way (nginx's ngx_ext_rename_file with create_path). A writer aborted, or
/// dropped without a commit, unlinks its temp file: a cut response leaves nothing behind.
package enum StoredFile {
    private static let sequence = Atomic<UInt64>(0)

    /// The temp file's name in `tempDirectory`: unique across the workers (one pid) and the reloads.
    static func tempName(in tempDirectory: String) -> String {
        let n = sequence.add(1, ordering: .relaxed).newValue
        return "\(tempDirectory)/\(getpid()).\(n).store"
    }

    package static func begin(final: String, tempDirectory: String, _ plain: FileCacheWriter.PlainFile)
        throws(CacheStorageError) -> FileCacheWriter {
        let temp = tempName(in: tempDirectory)
        let fd = try FileIO.create(temp)
        return FileCacheWriter(fd: fd, temp: temp, final: final, prefixLength: 0, fsync: false, plain: plain)
    }
}
