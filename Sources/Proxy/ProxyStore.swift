import Cache
import Config
import EventLoop
import HTTP1

/// `proxy_store` of one location, compiled: where a stored response goes, its file's mode and the temp
/// directory it is written in first. nil on the ProxyRuntime of a location that does not store.
final class StoreRuntime: Sendable {
    /// The path with variables; nil: `proxy_store on`, the file root or alias maps the URI to.
    let path: CompiledTemplate?
    let access: UInt32
    /// `proxy_temp_path`.
    let tempDirectory: String

    init(path: CompiledTemplate?, access: UInt32, tempDirectory: String) {
        self.path = path; self.access = access; self.tempDirectory = tempDirectory
    }
}

/// nginx's ngx_http_upstream_store: a 200 from the upstream whose body arrives whole is also saved as a file,
/// through a temp file under `proxy_temp_path` (the cache's writer, StoredFile.swift) renamed into place, with
/// `proxy_store_access`'s mode and the response's Last-Modified as its time. Any other end (a failed upstream,
/// a client gone, a body shorter than its Content-Length) aborts the writer, which removes the temp file.
enum ProxyStore {
    /// Whether the response is stored: a 200 with a body to read (a HEAD's answer, whose Content-Length no bytes
    /// follow, never matches in nginx; a 200 with `Content-Length: 0` is stored, empty).
    static func stores(status: Int, framing: BodyFraming) -> Bool {
        status == 200 && framing != .none
    }

    /// The stored file's modification time: the response's Last-Modified, when it parses.
    static func modified(_ resp: ResponseHead) -> Int64? {
        resp.firstHeader("last-modified").flatMap { HTTPDate.parse($0) }
    }

    /// The directories made for a stored file: search permission where the file has read permission
    /// (nginx's ngx_dir_access).
    static func directoryAccess(_ access: UInt32) -> UInt32 { access | (access & 0o444) >> 2 }

    /// Opens the temp file for `resp`, or nil (a failure is logged; the response is still relayed).
    static func begin(_ s: StoreRuntime, _ r: Request, _ resp: ResponseHead) -> FileCacheWriter? {
        let target = s.path.map { r.evaluate($0) } ?? r.mappedFilePath()
        let final = String(decoding: target, as: UTF8.self)
        let plain = FileCacheWriter.PlainFile(mode: s.access, directoryMode: directoryAccess(s.access),
                                              modified: modified(resp))
        do {
            return try StoredFile.begin(final: final, tempDirectory: s.tempDirectory, plain)
        } catch {
            failed(error, r, what: "temp file in \"\(s.tempDirectory)\"")
            return nil
        }
    }

    /// A body piece into the file; false when the write failed (the writer removed its temp file).
    static func write(_ w: FileCacheWriter, _ piece: ByteView, _ r: Request) -> Bool {
        do { try w.append(piece); return true } catch {
            failed(error, r, what: "temp file \"\(w.temp)\"")
            return false
        }
    }

    /// The body is whole: the file takes its mode and time and its place.
    static func commit(_ w: FileCacheWriter, _ r: Request) {
        do { _ = try w.commit() } catch { failed(error, r, what: "\"\(w.final)\"") }
    }

    private static func failed(_ error: CacheStorageError, _ r: Request, what: String) {
        r.connection.worker.log(.crit, error.text(about: what) + ", not stored", r.connection)
    }
}

extension Request {
    /// `$request_filename`: the URI under the location's root or alias (`proxy_store on`'s path).
    func mappedFilePath() -> [UInt8] { staticRoot.path(for: self) }
}
