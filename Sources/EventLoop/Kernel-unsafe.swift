import Glibc
import CSystem

// The kernel's pointers: the system calls that take buffers, C strings or `sockaddr`s, the malloc'd storage of
// `IOBuffer`, and the thread entry point. `Syscall`, `Socket`, `IOBuffer`, `Transport` and `WorkerThread` keep
// their logic in their own files; what is here is what hands memory to C, as extensions of those types, so the
// hot path (read, write, the buffers) compiles exactly as before.

// MARK: - System calls with buffers and C strings

extension Syscall.FileStatus {
    init(_ st: Glibc.stat) {
        let mode = st.st_mode & S_IFMT
        self.init(size: Int64(st.st_size), mtime: st.st_mtim.tv_sec, isRegular: mode == S_IFREG,
                  isDirectory: mode == S_IFDIR, inode: UInt64(st.st_ino), mtimeNanoseconds: st.st_mtim.tv_nsec,
                  isExecutable: st.st_mode & S_IXUSR != 0, device: UInt64(st.st_dev),
                  ctime: st.st_ctim.tv_sec, ctimeNanoseconds: st.st_ctim.tv_nsec,
                  permissions: UInt32(st.st_mode & 0o7777))
    }
}

extension Syscall {
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// A socket's read: recv(2), as nginx reads and as `write` is send(2). read(2) on a socket first goes
    /// through the VFS read path (fdget_pos, rw_verify_area, an indirect call to sock_read_iter, the access
    /// notification): 230-540 ns more a 32-byte read on 400 loopback connections, and 2-5% of a relayed
    /// WebSocket message's CPU at 100 tunnels (perf: vfs_read and fdget_pos, absent from nginx's profile).
    public static func receive(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        retrying { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// `bytes` at `offset` of a file (one `pwrite`, retried on EINTR); a write of 0 bytes is `.eof` (a full disk).
    public static func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> IOResult {
        if bytes.isEmpty { return .done(0) }
        return retrying { Glibc.pwrite(fd, bytes.baseAddress, bytes.count, off_t(offset)) }
    }

    /// Up to `count` bytes into the front of `bytes` (the array form: callers need no pointers).
    public static func read(_ fd: Int32, into bytes: inout [UInt8], count: Int) -> IOResult {
        precondition(count >= 0 && count <= bytes.count, "Syscall.read: count beyond the array")
        return bytes.withUnsafeMutableBytes { read(fd, UnsafeMutableRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// Up to `count` bytes of a file at `offset` into the front of `bytes` (files sent over TLS, which cannot
    /// use sendfile).
    public static func pread(_ fd: Int32, into bytes: inout [UInt8], count: Int, at offset: Int64) -> IOResult {
        precondition(count >= 0 && count <= bytes.count, "Syscall.pread: count beyond the array")
        return bytes.withUnsafeMutableBytes { b in retrying { Glibc.pread(fd, b.baseAddress, count, off_t(offset)) } }
    }

    /// Up to `buffer.count` bytes of a file at `offset` into `buffer` (a head writer's spare room: a small
    /// file's body joins its head in one buffer, so both leave in one write).
    public static func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> IOResult {
        if buffer.isEmpty { return .done(0) }
        return retrying { Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Opens the file at `path` (its bytes, no NUL) read-only and close-on-exec: the descriptor, or -1 with errno set.
    public static func openReadOnly(_ path: [UInt8]) -> Int32 {
        withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
    }

    /// Opens a file to serve (nginx's flags: read-only, non-blocking, close-on-exec), so its `fstat` replaces a
    /// `stat` of the path: the descriptor, or -1 with errno set.
    public static func openToServe(_ path: [UInt8]) -> Int32 {
        withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
    }

    /// `fstat` of an open descriptor; nil with errno set when it fails.
    public static func fstat(_ fd: Int32) -> FileStatus? {
        var st = Glibc.stat()
        guard Glibc.fstat(fd, &st) == 0 else { return nil }
        return FileStatus(st)
    }

    /// `stat` of the file at `path` (its bytes, no NUL), following links; nil with errno set when it fails.
    public static func stat(_ path: [UInt8]) -> FileStatus? {
        var st = Glibc.stat()
        guard withCString(path, { fstatat(AT_FDCWD, $0, &st, 0) }) == 0 else { return nil }
        return FileStatus(st)
    }

    /// The names of the regular files in a directory (by the entry's type; `stat` for a link, which counts when
    /// it leads to one, and where the file system does not say), those starting with `.` left out; nil with
    /// errno set when the directory cannot be opened.
    public static func regularFiles(in directory: [UInt8]) -> [[UInt8]]? {
        guard let dir = withCString(directory, { opendir($0) }) else { return nil }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name.isEmpty || name[0] == UInt8(ascii: ".") { continue }
            let type = entry.pointee.d_type
            if type == UInt8(DT_REG)
                || ((type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN)) && stat(directory + name)?.isRegular == true) {
                names.append(name)
            }
        }
        return names
    }

    /// The names in a directory in readdir(3)'s order, those starting with `.` left out (nginx's autoindex
    /// reads them so, then stats each); `.open` or `.read` with errno when opendir or readdir fails.
    public static func directoryNames(in directory: [UInt8]) -> Result<[[UInt8]], DirectoryError> {
        names(in: directory) { !$0.isEmpty && $0[0] != UInt8(ascii: ".") }
    }

    /// `lstat` of the file at `path`: the link itself, not what it leads to; nil with errno set when it fails.
    public static func lstat(_ path: [UInt8]) -> FileStatus? {
        var st = Glibc.stat()
        guard withCString(path, { fstatat(AT_FDCWD, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { return nil }
        return FileStatus(st)
    }

    /// Every name in a directory but `.` and `..`, hidden ones included (nginx's tree walk for WebDAV's DELETE
    /// and COPY reads them so); `.open` or `.read` with errno when opendir or readdir fails.
    public static func allNames(in directory: [UInt8]) -> Result<[[UInt8]], DirectoryError> {
        names(in: directory) { !$0.isEmpty && $0 != [0x2e] && $0 != [0x2e, 0x2e] }
    }

    /// The names readdir(3) gives that `keep` accepts, in its order.
    private static func names(in directory: [UInt8], keep: ([UInt8]) -> Bool) -> Result<[[UInt8]], DirectoryError> {
        guard let dir = withCString(directory, { opendir($0) }) else { return .failure(DirectoryError(call: .open, code: errno)) }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                return errno == 0 ? .success(names) : .failure(DirectoryError(call: .read, code: errno))
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if keep(name) { names.append(name) }
        }
    }

    // Path calls for WebDAV (DAVFiles.swift): true, or false with errno set.

    public static func mkdir(_ path: [UInt8], mode: UInt32) -> Bool {
        withCString(path) { Glibc.mkdir($0, mode_t(mode)) } == 0
    }

    public static func rmdir(_ path: [UInt8]) -> Bool {
        withCString(path) { Glibc.rmdir($0) } == 0
    }

    public static func unlink(_ path: [UInt8]) -> Bool {
        withCString(path) { Glibc.unlink($0) } == 0
    }

    public static func rename(_ from: [UInt8], to: [UInt8]) -> Bool {
        withCString(from) { f in withCString(to) { Glibc.rename(f, $0) } } == 0
    }

    public static func chmod(_ path: [UInt8], mode: UInt32) -> Bool {
        withCString(path) { Glibc.chmod($0, mode_t(mode)) } == 0
    }

    /// Creates or truncates a file to write (nginx's ngx_copy_file target): the descriptor, or -1 with errno set.
    public static func openToWrite(_ path: [UInt8], mode: UInt32) -> Int32 {
        withCString(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode)) }
    }

    /// Sets a file's access and modification times to `seconds`, as nginx's ngx_set_file_time (utimes(2)) does.
    public static func setFileTime(_ path: [UInt8], seconds: Int64) -> Bool {
        var times = (timespec(tv_sec: Int(seconds), tv_nsec: 0), timespec(tv_sec: Int(seconds), tv_nsec: 0))
        return withCString(path) { p in
            withUnsafePointer(to: &times) { $0.withMemoryRebound(to: timespec.self, capacity: 2) { utimensat(AT_FDCWD, p, $0, 0) } }
        } == 0
    }

    /// `realpath(3)`: the path with its links and `.`/`..` resolved; nil with errno set when it fails.
    public static func realpath(_ path: [UInt8]) -> [UInt8]? {
        guard let resolved = withCString(path, { Glibc.realpath($0, nil) }) else { return nil }
        defer { free(resolved) }
        return Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
    }

    /// The path NUL-terminated in scratch memory (the stack, for any path a file system takes): no array copy
    /// and no malloc per open or stat.
    private static func withCString<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: path.count + 1) { z in
            path.withUnsafeBytes { p in
                if let from = p.baseAddress { UnsafeMutableRawPointer(z.baseAddress!).copyMemory(from: from, byteCount: p.count) }
            }
            z[path.count] = 0
            return body(UnsafePointer(z.baseAddress!))
        }
    }

    /// A zero-length write is reported as `.done(0)`, never as end of stream.
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> IOResult {
        if buffer.isEmpty { return .done(0) }
        return retrying { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// `bytes[offset...]` to a socket: the array form, so callers holding a head or a log line need no pointers.
    public static func write(_ fd: Int32, _ bytes: [UInt8], from offset: Int = 0) -> IOResult {
        bytes.withUnsafeBytes { write(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
    }

    /// All of `bytes` to a file (log files: `write`, not `send`), retrying short writes; false on an error.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        appendAll(fd, bytes) == .done(bytes.count)
    }

    /// `writeAll` telling how it ended: `.done(bytes.count)`, `.error(errno)`, or `.done(k)` with fewer bytes
    /// when a write took none (what an access log reports as nginx does: `failed (28: …)`, `was incomplete`).
    public static func appendAll(_ fd: Int32, _ bytes: [UInt8]) -> IOResult {
        var offset = 0
        while offset < bytes.count {
            let r = bytes.withUnsafeBytes { b in retrying { Glibc.write(fd, b.baseAddress! + offset, b.count - offset) } }
            switch r {
            case .done(let n): offset += n
            case .error(let e): return .error(e)
            case .eof, .wouldBlock: return .done(offset)
            }
        }
        return .done(offset)
    }

    /// Gathers two buffers into one send (a response head and the first body bytes).
    public static func writev(_ fd: Int32, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> IOResult {
        if b.isEmpty { return write(fd, a) }
        if a.isEmpty { return write(fd, b) }
        var iov = (iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress), iov_len: a.count),
                   iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count))
        return withUnsafeMutablePointer(to: &iov) { p in
            p.withMemoryRebound(to: iovec.self, capacity: 2) { base in
                var msg = msghdr()
                msg.msg_iov = base
                msg.msg_iovlen = 2
                return retrying { Glibc.sendmsg(fd, &msg, Int32(MSG_NOSIGNAL)) }
            }
        }
    }
}

// MARK: - Socket addresses

extension Socket {
    /// `127.0.0.1`, `::1`: an address's 4 or 16 bytes as inet_ntop prints them.
    static func text(of bytes: [UInt8], v6: Bool) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = bytes.withUnsafeBytes { inet_ntop(v6 ? AF_INET6 : AF_INET, $0.baseAddress, &buf, 64) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func withSockaddr<R>(_ a: SocketAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch a.family {
        case .v4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = a.port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: a.bytes) }
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = a.port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: a.bytes) }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        case .unix:
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            let path = Array(a.path.utf8)
            precondition(path.count <= SocketAddress.maxUnixPathLength, "checked by bind and connect")
            withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: path) }
            let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + path.count + 1
            return withUnsafePointer(to: &sun) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
            }
        }
    }

    /// bind(2) of `fd` to `address`: 0, or -1 with errno set.
    static func bind(_ fd: Int32, to address: SocketAddress) -> Int32 {
        if address.path.utf8.count > SocketAddress.maxUnixPathLength { errno = ENAMETOOLONG; return -1 }
        return withSockaddr(address) { Glibc.bind(fd, $0, $1) }
    }

    /// connect(2) of `fd` to `address`: 0, or -1 with errno set.
    static func connect(_ fd: Int32, to address: SocketAddress) -> Int32 {
        if address.path.utf8.count > SocketAddress.maxUnixPathLength { errno = ENAMETOOLONG; return -1 }
        return withSockaddr(address) { Glibc.connect(fd, $0, $1) }
    }

    static func address(from storage: UnsafePointer<sockaddr_storage>) -> SocketAddress? {
        let raw = UnsafeRawPointer(storage)
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let sin = raw.load(as: sockaddr_in.self)
            let bytes = withUnsafeBytes(of: sin.sin_addr) { Array($0) }
            return SocketAddress(family: .v4, bytes: bytes, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = raw.load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            return SocketAddress(family: .v6, bytes: bytes, port: UInt16(bigEndian: sin6.sin6_port))
        case AF_UNIX:
            // An unnamed client socket (and an abstract one) has no path: nginx prints it `unix:`.
            let sun = raw.load(as: sockaddr_un.self)
            let path = withUnsafeBytes(of: sun.sun_path) { Array($0.prefix { $0 != 0 }) }
            return SocketAddress(unixPath: String(decoding: path, as: UTF8.self))
        default:
            return nil
        }
    }

    public static func accept(_ listenFD: Int32) -> AcceptResult {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    cswy_accept4(listenFD, $0, &len, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd >= 0 {
                let peer = address(from: &storage) ?? SocketAddress(family: .v4, bytes: [0, 0, 0, 0], port: 0)
                return .accepted(fd: fd, peer: peer)
            }
            let e = errno
            if e == EINTR || e == ECONNABORTED { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(e)
        }
    }

    public static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return rc == 0 ? address(from: &storage) : nil
    }

    static func resolve(host: String, port: UInt16) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0 else { return [] }
        defer { freeaddrinfo(res) }
        var out: [SocketAddress] = []
        var p = res
        while let ai = p {
            if let sa = ai.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen)))
                }
                if let a = address(from: &storage), !out.contains(a) { out.append(a) }
            }
            p = ai.pointee.ai_next
        }
        return out
    }
}

// MARK: - IOBuffer's storage

/// `IOBuffer`'s malloc'd bytes (nil until first use, and again after `release()`).
struct ByteStorage {
    var base: UnsafeMutableRawPointer?

    var isAllocated: Bool { base != nil }

    /// Frees the bytes; the owner drops this value (or is going away).
    func deallocate() { free(base) }
}

extension IOBuffer {
    /// The first `n` unconsumed bytes (n ≤ readableCount). Valid until the next mutation.
    public func readablePrefix(_ n: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: readable[..<n])
    }

    /// Bytes not yet consumed. Valid until the next mutation.
    public var readable: UnsafeRawBufferPointer {
        guard let base = storage.base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + head, count: tail - head)
    }

    /// Makes room for at least `n` more bytes at the tail, compacting first and growing only when needed.
    public func reserve(_ n: Int) {
        if capacity - tail >= n { return }
        if head > 0 {
            let count = tail - head
            if count > 0 { memmove(storage.base!, storage.base! + head, count) }
            head = 0; tail = count
            if capacity - tail >= n { return }
        }
        var newCapacity = max(capacity, initialCapacity)
        while newCapacity - tail < n { newCapacity *= 2 }
        if !storage.isAllocated, let shelf, newCapacity <= shelf.blockSize, let block = shelf.take() {
            storage = block; capacity = shelf.blockSize
            return
        }
        guard let grown = realloc(storage.base, newCapacity) else { fatalError("IOBuffer: out of memory") }
        storage.base = grown; capacity = newCapacity
    }

    /// Reads once from `fd` into the tail, growing by at most `chunk` bytes. `.done(n)` means n bytes arrived.
    public func read(from fd: Int32, chunk: Int) -> IOResult { fill(chunk) { Syscall.read(fd, $0) } }

    /// `read(from:chunk:)` for a socket: one recv(2) (`Syscall.receive`), the call `Transport` reads with.
    public func receive(from socket: Int32, chunk: Int) -> IOResult { fill(chunk) { Syscall.receive(socket, $0) } }

    /// `receive(from:chunk:)` that takes at most `limit` bytes, however much room the buffer has (a rate
    /// limit's allowance: the plain read fills all the free space).
    public func receive(from socket: Int32, atMost limit: Int) -> IOResult {
        fill(limit, atMost: limit) { Syscall.receive(socket, $0) }
    }

    /// Room for at least half a `chunk` (a whole one when there is less), then one `call` into it (into no more
    /// than `atMost` bytes of it).
    @inline(__always)
    private func fill(_ chunk: Int, atMost: Int = .max, _ call: (UnsafeMutableRawBufferPointer) -> IOResult) -> IOResult {
        if capacity - tail < chunk / 2 || !storage.isAllocated { reserve(chunk) }
        let space = writable
        let r = call(atMost < space.count ? UnsafeMutableRawBufferPointer(rebasing: space[..<atMost]) : space)
        if case .done(let n) = r { tail += n }
        return r
    }

    /// Free space at the tail (call `reserve` first); commit what was written with `didWrite`.
    public var writable: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: storage.base.map { $0 + tail }, count: capacity - tail)
    }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        reserve(bytes.count)
        memcpy(storage.base! + tail, bytes.baseAddress!, bytes.count)
        tail += bytes.count
    }

    public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }
    public func append(_ bytes: ArraySlice<UInt8>) { bytes.withUnsafeBytes { append($0) } }
    public func append(_ s: StaticString) {
        append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}

// MARK: - Transport's buffer writes

extension Transport {
    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        if let tls { return tls.write(bytes) }
        return Syscall.write(fd, bytes)
    }

    /// `bytes[offset...]`: the array form, for heads held in arrays.
    public func write(_ bytes: [UInt8], from offset: Int) -> IOResult {
        bytes.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
    }

    /// Plain bytes off the socket into the front of `bytes`, below TLS: a PROXY protocol header on a TLS address
    /// is peeked (`peek`: left on the socket), then exactly its length is taken, so the ClientHello that follows
    /// stays on the socket for OpenSSL.
    public func receivePlain(into bytes: inout [UInt8], peek: Bool) -> IOResult {
        bytes.withUnsafeMutableBytes { b in
            Syscall.retrying { recv(fd, b.baseAddress, b.count, peek ? Int32(MSG_PEEK) : 0) }
        }
    }
}

// MARK: - The thread entry point

private final class ThreadBody {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

extension WorkerThread {
    /// pthread_create with `body` passed to the C entry point as a retained box, released there.
    public static func spawn(_ body: @escaping @Sendable () -> Void) -> WorkerThread {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let b = Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        return WorkerThread(handle: tid)
    }
}

// MARK: - disable_symlinks: a file opened a path component at a time with openat (the walk is PathWalk)

extension Syscall {
    /// What a link on the way may be: refused (`on`), or followed only when it and its target have the same
    /// owner (`if_not_owner`).
    public enum LinkRule: Sendable { case refuse, sameOwner }

    /// `openToServe` with the path walked a component at a time (PathWalk) from byte `from` on: each directory
    /// opened with nginx's search flags (O_PATH, O_DIRECTORY, and O_NOFOLLOW under `refuse`), the last name
    /// read-only and non-blocking. -1 with errno set: ELOOP for a last name that is a refused link (a directory
    /// link on the way fails with ENOTDIR, as in nginx).
    public static func openChecked(_ path: [UInt8], links rule: LinkRule, from: Int) -> Int32 {
        let walk = PathWalk(path, from: from)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: path.count + 2) { name -> Int32 in
            func cName(_ r: Range<Int>) -> UnsafePointer<CChar> {
                for (k, i) in r.enumerated() { name[k] = CChar(bitPattern: path[i]) }
                name[r.count] = 0
                return UnsafePointer(name.baseAddress!)
            }
            let search = cswy_o_path() | O_RDONLY | O_DIRECTORY | O_CLOEXEC   // O_PATH: a macro Swift cannot see
            var at: Int32
            if let p = walk.prefix {
                at = Glibc.open(cName(p), search)
            } else if walk.absolute {
                at = Glibc.open("/", search)
            } else {
                at = AT_FDCWD
            }
            if at < 0 && at != AT_FDCWD { return -1 }
            for d in walk.directories {
                let fd = component(at, cName(d), search, rule)
                let e = errno
                if at != AT_FDCWD { Glibc.close(at) }
                if fd < 0 { errno = e; return -1 }
                at = fd
            }
            let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC
            let fd = walk.last.map { component(at, cName($0), flags, rule) } ?? openat(at, ".", flags)
            let e = errno
            if at != AT_FDCWD { Glibc.close(at) }
            errno = e
            return fd
        }
    }

    /// `stat` through `openChecked`, as nginx tests a file under disable_symlinks (try_files, `-f`):
    /// nil with errno set when the walk refuses it.
    public static func statChecked(_ path: [UInt8], links rule: LinkRule, from: Int) -> FileStatus? {
        let fd = openChecked(path, links: rule, from: from)
        if fd < 0 { return nil }
        defer { Glibc.close(fd) }
        return fstat(fd)
    }

    /// One name opened in `at`: without following a link, or following it when its owner is its target's.
    private static func component(_ at: Int32, _ name: UnsafePointer<CChar>, _ flags: Int32, _ rule: LinkRule) -> Int32 {
        if rule == .refuse { return openat(at, name, flags | O_NOFOLLOW) }
        let fd = openat(at, name, flags)
        if fd < 0 { return -1 }
        var target = Glibc.stat(), link = Glibc.stat()
        guard Glibc.fstat(fd, &target) == 0, fstatat(at, name, &link, AT_SYMLINK_NOFOLLOW) == 0 else {
            let e = errno
            Glibc.close(fd)
            errno = e
            return -1
        }
        if target.st_uid != link.st_uid {
            Glibc.close(fd)
            errno = ELOOP
            return -1
        }
        return fd
    }
}
