import Glibc

/// A fresh directory under /tmp for one test, removed with everything in it by `remove()`.
struct TempDirectory {
    let path: String

    init() {
        var template = Array("/tmp/swy-cache-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed")
        path = String(cString: p!)
    }

    func remove() { Self.removeTree(path) }

    static func removeTree(_ path: String) {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafePointer(to: &e.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name == "." || name == ".." { continue }
                removeTree(path + "/" + name)
            }
            closedir(d)
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Every regular file below the directory, relative paths, sorted.
    func files() -> [String] {
        var out: [String] = []
        func walk(_ rel: String) {
            guard let d = opendir(path + rel) else { return }
            while let e = readdir(d) {
                let name = withUnsafePointer(to: &e.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name == "." || name == ".." { continue }
                if e.pointee.d_type == UInt8(DT_DIR) { walk(rel + "/" + name) } else { out.append(rel + "/" + name) }
            }
            closedir(d)
        }
        walk("")
        return out.sorted()
    }

    func readFile(_ rel: String) -> [UInt8] {
        let fd = open(path + rel, O_RDONLY)
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 4096) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    func writeFile(_ rel: String, _ bytes: [UInt8]) {
        let fd = open(path + rel, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
    }
}

/// mkdir for tests, without shadowing issues in files that import Cache's own names.
func Glibc_mkdir(_ path: String) { _ = mkdir(path, 0o700) }
