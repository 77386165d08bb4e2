import CSystem
import EventLoop
import Glibc
import Synchronization

/// The master's end of the privileged helper (CSystem/privileged_helper.c): a small root process forked before
/// the master drops to `user`, asked to bind listeners and open log files the user may not, and to remove the
/// pid file at exit. Requests are blocking, one at a time, and come only on start, reload, reopen and exit.
final class PrivilegedHelper: Sendable {
    let pid: pid_t
    private let channel: Mutex<Int32>

    private init(pid: pid_t, channel: Int32) {
        self.pid = pid
        self.channel = Mutex(channel)
    }

    /// Forks the helper. `logDirectories` are the only directories it will open log files in; `socketFiles`
    /// (UNIX-domain listeners bound already) and those it binds later are the only files it will remove;
    /// `secretDirectories` (those of the TLS files read at start) the only ones it will read files in.
    /// `logOwner`: the uid the log files it opens are given (the user the master serves as).
    static func spawn(pidPath: String?, logDirectories: [String], socketFiles: [String],
                      secretDirectories: [String], logOwner: uid_t? = nil) -> Result<PrivilegedHelper, Socket.Failure> {
        let dirs = nulSeparated(logDirectories), sockets = nulSeparated(socketFiles)
        let secrets = nulSeparated(secretDirectories)
        var chan: Int32 = -1
        let pid = cswy_helper_spawn(pidPath ?? "", dirs, Int32(logDirectories.isEmpty ? 0 : dirs.count),
                                    sockets, Int32(socketFiles.isEmpty ? 0 : sockets.count),
                                    secrets, Int32(secretDirectories.isEmpty ? 0 : secrets.count),
                                    logOwner.map { Int($0) } ?? -1, &chan)
        if pid < 0 { return .failure(Socket.Failure(call: "fork() of the privileged helper", code: -pid)) }
        return .success(PrivilegedHelper(pid: pid, channel: chan))
    }

    private static func nulSeparated(_ texts: [String]) -> [CChar] {
        var out: [CChar] = []
        for t in texts { out += t.utf8.map { CChar(bitPattern: $0) } + [0] }
        return out.isEmpty ? [0] : out
    }

    /// The listening socket Socket.listen would make, bound by root.
    func listen(_ address: SocketAddress, backlog: Int32, reusePort: Bool, ipv6Only: Bool) throws(Socket.Failure) -> Int32 {
        var call: Int32 = 3
        let fd = channel.withLock { chan in
            address.family == .unix
                ? cswy_helper_listen_unix(chan, address.path, backlog, &call)
                : cswy_helper_listen(chan, address.family == .v6 ? 1 : 0, address.bytes, address.port, backlog,
                                     reusePort ? 1 : 0, ipv6Only ? 1 : 0, &call)
        }
        if fd >= 0 { return fd }
        let name = ["socket()", "bind() to \(address)", "listen() to \(address)"]
        throw Socket.Failure(call: call < 3 ? name[Int(call)] : "privileged helper for \(address)", code: -fd)
    }

    /// A log file opened for append by root, or -1 with errno set (EACCES outside the allowed directories).
    func openAppend(_ path: String) -> Int32 {
        let fd = channel.withLock { cswy_helper_open_append($0, path) }
        if fd < 0 { errno = -fd; return -1 }
        return fd
    }

    /// A certificate, key or other secret file opened for reading by root, or -1 with errno set (EACCES outside
    /// the directories of the TLS files read at start, or in one that is not root's alone).
    func openRead(_ path: String) -> Int32 {
        let fd = channel.withLock { cswy_helper_open_read($0, path) }
        if fd < 0 { errno = -fd; return -1 }
        return fd
    }

    /// Removes a UNIX-domain listener's socket file the helper knows (bound by it, or before it started);
    /// 0, or the errno of the failed unlink.
    func unlinkSocketFile(_ path: String) -> Int32 { -channel.withLock { cswy_helper_unlink_socket($0, path) } }

    /// 0, or the errno of the failed unlink.
    func unlinkPidFile() -> Int32 { -channel.withLock { cswy_helper_unlink_pid($0) } }

    /// Closes the channel (the helper exits on it) and reaps the helper.
    func finish() {
        channel.withLock { chan in
            if chan >= 0 { Glibc.close(chan) }
            chan = -1
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
