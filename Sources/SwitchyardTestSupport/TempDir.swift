import EventLoop
import Glibc
import Locking

/// Temporary directories and small file helpers for tests. Every directory `make()` creates is removed when
/// the test process exits (a `make test` used to leave some 2,000 in /tmp); with SWITCHYARD_KEEP_TEST_DIRS=1
/// they stay, for a post-mortem: a test's prefix holds its config, error log and access log.
public enum TempDir {
    public static func make() throws -> String {
        var template = Array("/tmp/switchyard-test-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestClientError("mkdtemp failed") }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Started as root, the proxy serves as `nobody`: it must be able to read the prefix (as under /srv).
        _ = chmod(path, 0o755)
        if cleanupAtExit { made.withLock { $0.append(path) } }
        return path
    }

    /// A scratch prefix laid out as nginx's: `logs/` is there, so the default error and access logs open (a
    /// start, and `-t`, refuse a log file whose directory is missing, as nginx does).
    public static func makePrefix() throws -> String {
        let prefix = try make()
        _ = mkdir(prefix + "/logs", 0o755)
        return prefix
    }

    private static let made = Lock<[String]>([])

    /// Registers the removal once, the first time a directory is made (a static's initializer runs once).
    private static let cleanupAtExit: Bool = {
        if let keep = getenv("SWITCHYARD_KEEP_TEST_DIRS"), String(cString: keep) == "1" { return false }
        atexit { TempDir.removeAll() }
        return true
    }()

    /// One `rm -rf` for all of them: the processes the tests started are stopped by now.
    private static func removeAll() {
        let paths = made.withLock { $0 }
        for start in stride(from: 0, to: paths.count, by: 500) {
            let batch = paths[start..<min(start + 500, paths.count)]
            _ = system("rm -rf " + batch.map { "'\($0)'" }.joined(separator: " "))
        }
    }

    public static func write(_ path: String, _ text: String) throws {
        makeParents(of: path)
        guard let f = fopen(path, "w") else { throw TestClientError("cannot write \(path)") }
        fputs(text, f)
        fclose(f)
    }

    /// A file of any bytes (a `.gz`: its NULs would end `write(_:_:)`'s text).
    public static func write(_ path: String, bytes: [UInt8]) throws {
        makeParents(of: path)
        guard let f = fopen(path, "w") else { throw TestClientError("cannot write \(path)") }
        defer { fclose(f) }
        guard fwrite(bytes, 1, bytes.count, f) == bytes.count else { throw TestClientError("cannot write \(path)") }
    }

    private static func makeParents(of path: String) {
        var built = ""
        for part in path.split(separator: "/").dropLast() { built += "/" + part; _ = mkdir(built, 0o755) }
    }

    /// The names in a directory, "." and ".." left out, unsorted (the engine's `Syscall.allNames`); empty when it
    /// cannot be read.
    public static func names(in dir: String) -> [String] {
        ((try? Syscall.allNames(in: Array(dir.utf8)).get()) ?? []).map { String(decoding: $0, as: UTF8.self) }
    }

    public static func read(_ path: String) throws -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// A file's bytes (a cache entry, a gzip variant).
    public static func readBytes(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "r") else { throw TestClientError("cannot read \(path)") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }
}
