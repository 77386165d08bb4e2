import Balancing
import Config
import EventLoop
import Glibc
import Synchronization

/// The master: owns the listening sockets, the pid file, signals and the worker threads (nginx's master
/// process, as threads). Reload builds a new `Runtime` on the master's thread and hands it to the workers;
/// if the build fails the old one keeps serving.
///
///     let code = Server(options).run(initial: runtime, reload: { try buildRuntime() })
public final class Server {
    public struct Options: Sendable {
        public var pidPath: String?
        public var daemon: Bool
        public var user: String?
        public var rlimitNofile: Int?
        /// `worker_rlimit_core`, bytes.
        public var rlimitCore: Int? = nil
        /// `working_directory`: changed to once the process runs as `user`.
        public var workingDirectory: String? = nil
        /// Directories the workers write in (temp and cache paths): created and given to `user` before the drop.
        public var writableDirectories: [String]
        public init(pidPath: String?, daemon: Bool, user: String?, rlimitNofile: Int?, writableDirectories: [String] = []) {
            self.pidPath = pidPath; self.daemon = daemon; self.user = user; self.rlimitNofile = rlimitNofile
            self.writableDirectories = writableDirectories
        }
    }

    /// Builds a runtime from the configuration files again (for reload). Throws a printable error.
    public typealias Loader = @Sendable (_ generation: Int, _ previous: Runtime?) throws -> Runtime

    private let options: Options
    private let loop = Loop()
    private var runtime: Runtime
    private var sockets: [SocketAddress: BoundListener] = [:]
    /// Worker threads started at `run` (a reload does not change it): a `reuseport` address gets one socket each.
    private let workerCount: Int
    private var workers: [(worker: WorkerHandle, thread: WorkerThread)] = []
    private var signals: [Watcher] = []
    private let stats = SharedStats()
    private var stopping = false
    private var exitCode: Int32 = 0
    private var shutdownTimer: Watcher?

    public init(options: Options, runtime: Runtime) {
        self.options = options
        self.runtime = runtime
        self.workerCount = max(1, runtime.workers)
    }

    private var log: MasterLog { MasterLog(file: runtime.errorLog, starting: starting) }
    /// Until the "started" notice: the master's warnings and errors also go to stderr (MasterLog).
    private var starting = true

    /// Runs until stopped; returns the process exit code.
    public func run(reload: @escaping Loader) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        stats.startTime.store(Int(time(nil)), ordering: .relaxed)
        // glibc returns freed memory at the top of a worker's arena to the kernel as soon as 128 KiB are free:
        // under connection churn that is an mprotect per few requests (measured: 0.33 per request at 1,000
        // clients). Keep up to 16 MiB of free heap per arena instead; idle memory is still given back beyond it.
        Syscall.keepFreedHeap(upTo: 16 << 20)
        Server.holdSignals()
        for (resource, name, value) in [(RLIMIT_NOFILE, "RLIMIT_NOFILE", options.rlimitNofile),
                                        (RLIMIT_CORE, "RLIMIT_CORE", options.rlimitCore)] {
            guard let n = value else { continue }
            var rl = rlimit(rlim_cur: rlim_t(n), rlim_max: rlim_t(n))
            if setrlimit(Int32(resource.rawValue), &rl) != 0 {
                log.log(.alert, "setrlimit(\(name), \(n)) failed (\(errno): \(Syscall.describe(errno)))")
            }
        }
        // Started as root: `user`, else nginx's default `nobody`. An unknown name stops the start, as in nginx.
        var user: ProcessUser?
        if getuid() == 0 {
            switch ProcessUser.resolve(options.user) {
            case .success(let u): user = u
            case .failure(let e): log.log(.emerg, "\(e)"); return 1
            }
        }
        do {
            try bindListeners(for: runtime)
        } catch {
            log.log(.emerg, "\(error)")
            return 1
        }
        if options.daemon && !daemonize() { return 1 }
        installSignals(reload: reload)
        if let user, !startHelper(for: user) { return 1 }
        if let pid = options.pidPath, !writePidFile(pid) { finishHelper(); return 1 }
        if let user, !drop(to: user) { return 1 }
        if let dir = options.workingDirectory, chdir(dir) != 0 {   // nginx's workers do it as `user`; fatal there too
            log.log(.alert, "chdir(\"\(dir)\") failed (\(errno): \(Syscall.describe(errno)))")
            finishHelper()
            return 1
        }
        for i in 0..<runtime.workers { startWorker(i) }
        masterMailboxWatcher = masterMailbox.attach(to: loop)
        var handled = Server.handledSignals
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        starting = false
        log.log(.notice, "switchyard/\(Version.switchyard) started, \(runtime.workers) worker thread(s)")
        loop.run()
        for w in workers { w.thread.join() }
        closeListeners()
        if let pid = options.pidPath { removePidFile(pid) }
        log.log(.notice, "exit")
        finishHelper()
        return exitCode
    }

    /// The signals the master handles stay blocked until its loop watches them: one that arrives while
    /// starting (a reload right after the pid file appears) is then acted on, not fatal. Threads started
    /// meanwhile (workers, cache loaders) inherit the mask, so only the master thread ever receives them.
    /// Call it before building the first runtime, which starts the cache threads.
    public static func holdSignals() {
        var handled = handledSignals
        pthread_sigmask(SIG_BLOCK, &handled, nil)
    }

    private static var handledSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGHUP, SIGQUIT, SIGTERM, SIGINT, SIGUSR1] { sigaddset(&set, sig) }
        return set
    }

    // MARK: - Listeners

    /// Binds what `rt` lists and is not bound yet: one socket per address, or with `reuseport` one per worker
    /// (nginx's per-worker sockets: the kernel spreads connections over them). An address that stays keeps its
    /// sockets as they were bound, so nothing in their backlogs is lost.
    private func bindListeners(for rt: Runtime) throws(Socket.Failure) {
        var next: [SocketAddress: BoundListener] = [:]
        var kept: [(BoundListener, ListenRuntime)] = []
        for l in rt.listens {
            if let bound = sockets[l.address] {
                next[l.address] = bound
                kept.append((bound, l))
                if bound.reusePort != l.reusePort {
                    log.log(.notice, "\(l.address) keeps its listening sockets\(bound.reusePort ? " with" : " without") reuseport until a restart")
                }
                continue
            }
            var fds: [Int32] = []
            do {
                for _ in 0..<(l.reusePort ? workerCount : 1) {
                    fds.append(try listenSocket(l.address, backlog: l.backlog, reusePort: l.reusePort,
                                                ipv6Only: l.socketOptions.ipv6Only))
                }
                configure(fds, l)
                next[l.address] = BoundListener(address: l.address, fds: fds, reusePort: l.reusePort)
            } catch {
                for fd in fds { Syscall.close(fd) }
                for (a, b) in next where sockets[a] == nil { retire(b, deleting: false) }
                throw error
            }
        }
        // Every new address is bound: the kept sockets take the new options now, as nginx sets them again at a
        // reload (not before, so a reload that fails leaves them as the running configuration has them).
        for (bound, l) in kept { configure(bound.fds, l) }
        // Sockets no longer listed close after the workers have moved to the new list (see `reloadNow`).
        sockets = next.merging(sockets) { new, _ in new }
        listening = next
    }

    private var listening: [SocketAddress: BoundListener] = [:]

    /// `listen`'s socket options on each of the address's sockets; what the kernel refuses is nginx's
    /// `[alert] setsockopt(…) failed, ignored`.
    private func configure(_ fds: [Int32], _ l: ListenRuntime) {
        for fd in fds {
            for failure in Socket.configure(fd, l.socketOptions, tcp: l.address.family != .unix) {
                log.log(.alert, "\(failure) for \(l.address), ignored")
            }
        }
    }

    /// Each worker's listeners (indexed by worker): its own socket of a `reuseport` address, the shared one of
    /// any other.
    private func socketList(for rt: Runtime) -> [[ListenSocket]] {
        (0..<workerCount).map { i in
            rt.listens.compactMap { l in
                listening[l.address].map { b in
                    b.fds.count > 1 ? ListenSocket(fd: b.fds[i], listen: l, shared: false)
                                    : ListenSocket(fd: b.fds[0], listen: l, shared: workerCount > 1)
                }
            }
        }
    }

    // MARK: - Workers

    private func startWorker(_ i: Int) {
        let mailbox = Mailbox()
        let handle = WorkerHandle(mailbox: mailbox)
        // Handed over, not captured: the thread's closure lives as long as the thread, and would keep the first
        // runtime alive through every reload.
        let start = HandOff((runtime, socketList(for: runtime)[i], stats))
        let thread = WorkerThread.spawn {
            let w = Self.makeWorker(i, start.take(), mailbox)
            handle.attach(w)
            w.run()
        }
        workers.append((handle, thread))
    }

    private static func makeWorker(_ i: Int, _ start: (Runtime, [ListenSocket], SharedStats), _ mailbox: Mailbox) -> Worker {
        Worker(index: i, runtime: start.0, sockets: start.1, stats: start.2, mailbox: mailbox)
    }

    // MARK: - Signals

    private func installSignals(reload: @escaping Loader) {
        signals = [
            Watcher.signal(loop: loop, SIGHUP) { [unowned self] in self.reloadNow(reload) },
            Watcher.signal(loop: loop, SIGQUIT) { [unowned self] in self.stop(graceful: true) },
            Watcher.signal(loop: loop, SIGTERM) { [unowned self] in self.stop(graceful: false) },
            Watcher.signal(loop: loop, SIGINT) { [unowned self] in self.stop(graceful: false) },
            Watcher.signal(loop: loop, SIGUSR1) { [unowned self] in self.reopenLogs() },
        ]
        for s in signals { s.arm() }
    }

    private func reloadNow(_ load: Loader) {
        guard !stopping else { return }
        log.log(.notice, "signal 1 (SIGHUP) received, reconfiguring")
        let started = Clock.monotonicNanos()
        let new: Runtime
        do {
            new = try load(runtime.generation + 1, runtime)
        } catch {
            log.log(.emerg, "\(error)")
            log.log(.notice, "reload failed, still serving the previous configuration")
            stats.noteReload(ok: false, time: Int(time(nil)))
            return
        }
        let old = runtime
        do {
            try bindListeners(for: new)
        } catch {
            log.log(.emerg, "\(error)")
            log.log(.notice, "reload failed, still serving the previous configuration")
            stats.noteReload(ok: false, time: Int(time(nil)))
            return
        }
        runtime = new
        if options.daemon { new.errorLog.becomeStderr() }
        if max(1, new.workers) != workerCount {   // threads and their sockets are made once (README: differences)
            log.log(.notice, "worker_processes \(new.workers) takes effect at a restart: \(workerCount) worker thread(s) serve until then")
        }
        // nginx's master logs "worker process N exited with code 0" when an old worker is done; tools that wait
        // for that line (nginx's test suite among them) see this one when the replaced configuration is freed.
        old.onRetired { [log = new.errorLog, generation = old.generation] in
            log.log(.notice, "configuration \(generation) exited with code 0: its last connection is done")
        }
        // API edits that old workers took while this loaded are carried over; later ones are forwarded.
        new.commit(now: Instant(nanoseconds: Clock.monotonicNanos())) { [log] in log.log(.error, $0) }
        stats.noteReload(ok: true, time: Int(time(nil)))
        let socks = socketList(for: new)
        let retired = sockets.filter { listening[$0.key] == nil }
        sockets = listening
        // The summary is logged once every worker serves the new configuration, so "reconfigured" in the log
        // means new connections use it; removed listeners close then, when no worker watches them any more.
        let summary = RuntimeDiff.summary(old: old, new: new)
        let box = UncheckedBox((new, socks))
        let me = UncheckedBox(self)
        afterEachWorker({ worker in worker.adopt(box.value.0, sockets: box.value.1[worker.index]) }) {
            for (_, b) in retired { me.value.retire(b, deleting: true) }
            let ms = Double(Clock.monotonicNanos() - started) / 1e6
            me.value.log.log(.notice, "reconfigured in \(Int(ms.rounded(.up))) ms: " + summary)
        }
    }

    /// Runs `body` on every worker's thread, then `then` on the master's thread once all have run it.
    private func afterEachWorker(_ body: @escaping (Worker) -> Void, then: @escaping () -> Void) {
        let remaining = Atomic<Int>(workers.count)
        let master = masterMailbox
        let done = UncheckedBox(then)
        if workers.isEmpty { then(); return }
        for w in workers {
            w.worker.post { worker in
                body(worker)
                if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                    master.post { done.value() }
                }
            }
        }
    }

    private func stop(graceful: Bool) {
        if stopping && graceful { return }
        log.log(.notice, graceful ? "gracefully shutting down" : "exiting")
        if stopping {
            // A fast stop during a graceful one: close what is still open; the first stop's count ends the loop.
            for w in workers { w.worker.post { $0.beginShutdown(graceful: false, stoppedAccepting: {}, done: {}) } }
            return
        }
        stopping = true
        let me = UncheckedBox(self)
        let master = masterMailbox
        let finished = Atomic<Int>(0), notAccepting = Atomic<Int>(0)
        let count = workers.count
        for w in workers {
            w.worker.post { worker in
                worker.beginShutdown(graceful: graceful, stoppedAccepting: {
                    // As nginx's master does on quit: new connections are refused, not left in the backlog.
                    if notAccepting.add(1, ordering: .acquiringAndReleasing).newValue == count {
                        master.post { me.value.closeListeners() }
                    }
                }, done: {
                    if finished.add(1, ordering: .acquiringAndReleasing).newValue == count {
                        master.post { me.value.finishStop() }
                    }
                })
            }
        }
        if workers.isEmpty { finishStop() }
        if graceful, let t = runtime.shutdownTimeoutMillis {
            shutdownTimer = Watcher.timer(loop: loop) { [unowned self] in
                for w in self.workers { w.worker.post { $0.forceClose() } }
            }
            shutdownTimer?.arm(exactMillis: t)
        }
    }

    private func closeListeners() {
        for (_, b) in sockets { retire(b, deleting: false) }
        sockets.removeAll()
        listening.removeAll()
    }

    /// Closes a listener; a UNIX-domain one's socket file goes with it, as nginx removes it on exit and when a
    /// reload drops the address (with a warning then).
    private func retire(_ b: BoundListener, deleting warn: Bool) {
        b.close()
        guard b.address.family == .unix else { return }
        if warn { log.log(.warn, "deleting socket \(b.address.path)") }
        // Once privileges are dropped the file's directory may be root's: the helper removes it then.
        let e = helper?.unlinkSocketFile(b.address.path) ?? Socket.removeSocketFile(b.address)
        if e != 0 && e != ENOENT { log.log(.alert, "unlink() \"\(b.address.path)\" failed (\(e): \(Syscall.describe(e)))") }
    }

    private func finishStop() {
        closeListeners()
        for s in signals { s.disarm() }
        shutdownTimer?.disarm()
        masterMailboxWatcher?.disarm()
        loop.stop()
    }

    private let masterMailbox = Mailbox()
    private var masterMailboxWatcher: Watcher?

    /// SIGUSR1: the workers write out their buffered lines (to the old files, as nginx does), then the files
    /// are opened again by path: the next line goes to a new file after logrotate renamed the old one.
    private func reopenLogs() {
        guard !stopping else { return }
        log.log(.notice, "signal 10 (SIGUSR1) received, reopening logs")
        let rt = UncheckedBox(runtime)
        let daemon = options.daemon
        afterEachWorker({ $0.flushLogs() }) {
            if let e = rt.value.errorLog.reopen() { rt.value.errorLog.log(.alert, e) }
            if daemon { rt.value.errorLog.becomeStderr() }   // the new file, as nginx's reopen does
            for f in rt.value.levelErrorLogs { if let e = f.reopen() { rt.value.errorLog.log(.alert, e) } }
            for f in rt.value.accessLogFiles where !f.reopen() {
                rt.value.errorLog.log(.alert, "open() \"\(f.path)\" failed (\(errno): \(Syscall.describe(errno)))")
            }
            rt.value.errorLog.log(.notice, "logs reopened")
        }
    }

    // MARK: - Process

    private func daemonize() -> Bool {
        switch fork() {
        case -1:
            log.log(.emerg, "fork() failed (\(errno): \(Syscall.describe(errno)))"); return false
        case 0:
            break
        default:
            _exit(0)
        }
        setsid()
        let null = open("/dev/null", O_RDWR)
        if null >= 0 { dup2(null, 0); dup2(null, 1); if null > 2 { close(null) } }
        runtime.errorLog.becomeStderr()
        return true
    }

    /// Written beside the target and renamed over it: the file appears whole, so `-s reload` (or a test) that
    /// reads it the moment it exists never sees it empty. (Created in place, it was empty between open and write.)
    /// A failure is nginx's message about the pid file's own path (the temporary name is ours), and stops the
    /// start, as in nginx: a pid file left empty (a full disk) would make every later `-s` fail.
    private func writePidFile(_ path: String) -> Bool {
        let temp = "\(path).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            log.log(.emerg, "open() \"\(path)\" failed (\(errno): \(Syscall.describe(errno)))"); return false
        }
        let text = Array("\(getpid())\n".utf8)
        let written = Syscall.appendAll(fd, text)
        close(fd)
        if written != .done(text.count) {
            let why = if case .error(let e) = written { "failed (\(e): \(Syscall.describe(e)))" } else { "was incomplete" }
            log.log(.crit, "pwrite() \"\(path)\" \(why)")
            unlink(temp)
            return false
        }
        if rename(temp, path) != 0 {
            log.log(.emerg, "rename() \"\(temp)\" to \"\(path)\" failed (\(errno): \(Syscall.describe(errno)))")
            unlink(temp)
            return false
        }
        return true
    }

    // MARK: - Privileges (see docs/LIFECYCLE.md "Privileges")

    private var helper: PrivilegedHelper?

    /// Forks the root helper, before the drop: it binds privileged ports and opens root-owned logs later.
    private func startHelper(for user: ProcessUser) -> Bool {
        let socketFiles = sockets.keys.filter { $0.family == .unix }.map(\.path)
        switch PrivilegedHelper.spawn(pidPath: options.pidPath, logDirectories: LogFileOpener.directories,
                                      socketFiles: socketFiles, secretDirectories: SecretFiles.directories,
                                      logOwner: user.uid) {
        case .success(let h):
            helper = h
            LogFileOpener.use(h)
            SecretFiles.use(h)
            return true
        case .failure(let e):
            log.log(.emerg, "\(e)")
            return false
        }
    }

    /// Gives the workers' directories to `user`, then drops to it; on failure nothing is left running.
    private func drop(to user: ProcessUser) -> Bool {
        for d in options.writableDirectories { user.own(d) }
        guard let e = user.apply() else { return true }
        log.log(.emerg, e)
        if let pid = options.pidPath { removePidFile(pid) }
        finishHelper()
        return false
    }

    private func finishHelper() {
        LogFileOpener.use(nil)
        SecretFiles.use(nil)
        helper?.finish()
        helper = nil
    }

    /// Binds through the helper once privileges are dropped (a reload may add a port below 1024).
    private func listenSocket(_ address: SocketAddress, backlog: Int32, reusePort: Bool,
                              ipv6Only: Bool) throws(Socket.Failure) -> Int32 {
        if let helper { return try helper.listen(address, backlog: backlog, reusePort: reusePort, ipv6Only: ipv6Only) }
        return try Socket.listen(address, backlog: backlog, reusePort: reusePort, ipv6Only: ipv6Only)
    }

    /// The pid file's directory may be root's: the helper removes it then.
    private func removePidFile(_ path: String) {
        if let helper {
            let e = helper.unlinkPidFile()
            if e != 0 && e != ENOENT { log.log(.alert, "unlink() \"\(path)\" failed (\(e): \(Syscall.describe(e)))") }
        } else {
            unlink(path)
        }
    }
}

/// The listening sockets of one address: one, or with `reuseport` one per worker (worker i accepts on fds[i]).
private struct BoundListener {
    let address: SocketAddress
    let fds: [Int32]
    let reusePort: Bool
    func close() { for fd in fds { Syscall.close(fd) } }
}

/// Lets the master post work to a worker whose object is created on the worker's own thread.
final class WorkerHandle: @unchecked Sendable {
    private let mailbox: Mailbox
    private var worker: Worker?      // set once, on the worker thread, before its loop runs

    init(mailbox: Mailbox) { self.mailbox = mailbox }

    func attach(_ w: Worker) { worker = w }

    /// Runs `body` with the worker on the worker's thread.
    func post(_ body: @escaping (Worker) -> Void) {
        let box = UncheckedBox(body)
        mailbox.post { [self] in
            if let w = self.worker { box.value(w) }
        }
    }
}

/// Carries a non-Sendable value across a thread handoff the code has proven safe (handed over once, then
/// used by one thread only).
/// A value passed to another thread once: after `take()` the box (and a closure holding it) no longer keeps it.
final class HandOff<T>: @unchecked Sendable {
    private var value: T?
    init(_ value: T) { self.value = value }
    func take() -> T {
        defer { value = nil }
        return value!
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
