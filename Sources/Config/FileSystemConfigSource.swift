// Reads configuration files and expands include globs through libc.

private import Glibc



/// The real file system: open(2)/read(2) for files, glob(3) for `include` patterns.
public struct FileSystemConfigSource: ConfigSource, Sendable {
    public init() {}

    public func read(_ path: String) throws(ConfigSourceError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .open(path, errno: errno, reason: Self.reason(errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = Glibc.read(fd, &chunk, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw ConfigSourceError("read() \"\(path)\" failed (\(errno): \(Self.reason(errno)))")
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    public func glob(_ pattern: String) throws(ConfigSourceError) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let rc = Glibc.glob(pattern, 0, nil, &result)
        if rc == GLOB_NOMATCH { return [] }
        guard rc == 0 else { throw ConfigSourceError("glob() \"\(pattern)\" failed") }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }
    }

    static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "Unknown error" }
        return String(cString: text)
    }
}
