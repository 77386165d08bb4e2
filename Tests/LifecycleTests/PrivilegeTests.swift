import Glibc
import Testing
import SwitchyardTestSupport

/// Started as root, switchyard serves as `user` (default nobody, as nginx's workers); a root helper process
/// still binds privileged ports on reload, opens logs in root-owned directories and removes the pid file.
@Suite(.enabled(if: getuid() == 0, "the drop happens only when started as root"))
struct PrivilegeTests {
    @Test func startedAsRootWithoutUserItServesAsNobody() throws {
        let nobody = try #require(Accounts.user("nobody"))
        let group = try #require(Accounts.group("nobody") ?? Accounts.group("nogroup"))
        let port = freePort()
        let proxy = try LiveProxy(port: port, files: ["html/index.html": "static page\n"], config: nginxConf(port: port, http: """
            server { listen 127.0.0.1:PORT; location / { root html; } }
            """))
        defer { proxy.process.stop() }

        let status = Accounts.statusOnceStarted(proxy)
        #expect(status["Uid"] == "\(nobody.uid)\t\(nobody.uid)\t\(nobody.uid)\t\(nobody.uid)")
        #expect(status["Gid"] == "\(group)\t\(group)\t\(group)\t\(group)")
        #expect(status["Groups"] == "\(group)")
        let r = try proxy.get("/index.html")
        #expect(r.status == 200 && r.text == "static page\n")
        // The temp directory workers spool bodies to was created before the drop and given to the user.
        var st = stat()
        #expect(stat(proxy.prefix + "/client_body_temp", &st) == 0 && st.st_uid == nobody.uid)

        // One child: the privileged helper, still root; it is gone once the master has exited.
        let children = ((try? TempDir.read("/proc/\(proxy.pid)/task/\(proxy.pid)/children")) ?? "").split(separator: " ")
        #expect(children.count == 1)
        let helper = children.first.map(String.init) ?? "0"
        #expect(Accounts.status(of: pid_t(helper) ?? 0)["Uid"] == "0\t0\t0\t0")

        #expect(proxy.process.stop(SIGQUIT) == 0)
        #expect(!proxy.exists("logs/switchyard.pid"), "the helper removes the pid file from the root-owned logs dir")
        #expect(waitFor { access("/proc/\(helper)", F_OK) != 0 }, "the helper ends with the master")
    }

    @Test func theUserDirectiveIsApplied() throws {
        let daemon = try #require(Accounts.user("daemon"))
        let group = try #require(Accounts.group("daemon"))
        let port = freePort()
        let proxy = try LiveProxy(port: port, config: nginxConf(port: port, main: "user daemon;", http: """
            server { listen 127.0.0.1:PORT; location / { return 200 "ok"; } }
            """))
        defer { proxy.process.stop() }
        let status = Accounts.statusOnceStarted(proxy)
        #expect(status["Uid"] == "\(daemon.uid)\t\(daemon.uid)\t\(daemon.uid)\t\(daemon.uid)")
        #expect(status["Gid"] == "\(group)\t\(group)\t\(group)\t\(group)")
        #expect(try proxy.get().status == 200)
    }

    /// nginx's root master binds new ports on reload; here the helper does, for the process running as nobody.
    @Test func aReloadAddsAPrivilegedPortAfterTheDrop() throws {
        let privileged = try #require(Accounts.unusedPrivilegedPort())
        let port = freePort()
        func conf(_ extra: String) -> String {
            nginxConf(port: port, http: "server { listen 127.0.0.1:PORT; \(extra) location / { return 200 \"ok\"; } }")
        }
        let proxy = try LiveProxy(port: port, config: conf(""))
        defer { proxy.process.stop() }
        #expect(Accounts.statusOnceStarted(proxy)["Uid"]?.hasPrefix("0\t") == false)

        try proxy.rewrite(conf("listen 127.0.0.1:\(privileged);"))
        proxy.signal(SIGHUP)
        #expect(proxy.waitForReloads(1), "\(proxy.errorLog)")
        #expect(!proxy.errorLog.contains("reload failed"), "\(proxy.errorLog)")
        let r = try TestClient.get(port: privileged, "/")
        #expect(r.status == 200 && r.text == "ok")
    }

    /// A renewed certificate whose key only root may read (0600 in a root-owned directory, certbot's way) is
    /// loaded by a reload after the drop, through the helper, as nginx's root master loads it. The reload failed
    /// on the key and the old certificate went on being served until a restart. A key in a directory no TLS file
    /// was read from at start is still refused.
    @Test func aReloadReadsKeysOnlyRootMayRead() throws {
        let kit = try TLSTestKit()
        defer { kit.remove() }
        for key in ["rsa.key", "ec.key"] { #expect(chmod(kit.path(key), 0o600) == 0) }
        let port = freePort()
        func conf(_ name: String) -> String {
            nginxConf(port: port, http: """
                server { listen 127.0.0.1:PORT ssl; ssl_certificate \(kit.path(name + ".crt"));
                         ssl_certificate_key \(kit.path(name + ".key")); location / { return 200 "ok"; } }
                """)
        }
        let proxy = try LiveProxy(port: port, config: conf("rsa"))
        defer { proxy.process.stop() }
        #expect(Accounts.statusOnceStarted(proxy)["Uid"]?.hasPrefix("0\t") == false)
        #expect(try kit.connect(port: port).first?.subject.contains("localhost") == true)

        try proxy.rewrite(conf("ec"))
        proxy.signal(SIGHUP)
        #expect(proxy.waitForReloads(1), "\(proxy.errorLog)")
        #expect(!proxy.errorLog.contains("reload failed"), "\(proxy.errorLog)")
        #expect(try kit.connect(port: port, sni: "ec.test").first?.subject.contains("ec.test") == true)

        let elsewhere = try TempDir.make()
        #expect(rename(kit.path("rsa.key"), elsewhere + "/rsa.key") == 0 && rename(kit.path("rsa.crt"), elsewhere + "/rsa.crt") == 0)
        try proxy.rewrite(nginxConf(port: port, http: """
            server { listen 127.0.0.1:PORT ssl; ssl_certificate \(elsewhere)/rsa.crt; ssl_certificate_key \(elsewhere)/rsa.key; }
            """))
        proxy.signal(SIGHUP)
        #expect(waitFor { proxy.errorLog.contains("reload failed") }, "\(proxy.errorLog)")
        #expect(proxy.errorLog.contains("cannot load certificate key \"\(elsewhere)/rsa.key\""), "\(proxy.errorLog)")
    }

    /// The helper opens log files only in the directories that held logs at start: a process that lost root
    /// cannot use it to write elsewhere. A reload adding a log in another root-owned directory fails cleanly.
    @Test func theHelperOpensLogsOnlyWhereLogsWereAtStart() throws {
        let port = freePort()
        func conf(_ log: String) -> String {
            nginxConf(port: port, http: "server { listen 127.0.0.1:PORT; access_log \(log); location / { return 200 \"ok\"; } }")
        }
        let proxy = try LiveProxy(port: port, config: conf("logs/access.log"))
        defer { proxy.process.stop() }
        #expect(mkdir(proxy.prefix + "/elsewhere", 0o755) == 0)
        #expect(Accounts.statusOnceStarted(proxy)["Uid"]?.hasPrefix("0\t") == false)

        try proxy.rewrite(conf("elsewhere/access.log"))
        proxy.signal(SIGHUP)
        #expect(waitFor { proxy.errorLog.contains("reload failed") }, "\(proxy.errorLog)")
        #expect(proxy.errorLog.contains("open() \"\(proxy.prefix)/elsewhere/access.log\" failed (13: Permission denied)"))
        #expect(!proxy.exists("elsewhere/access.log"))
        #expect(try proxy.get().status == 200, "the old configuration keeps serving")
    }

    /// logrotate renames the logs in a root-owned directory; SIGUSR1 must create new ones there.
    @Test func reopenAfterRenameInARootOwnedLogsDirectory() throws {
        let port = freePort()
        let proxy = try LiveProxy(port: port, config: nginxConf(port: port, http: """
            server { listen 127.0.0.1:PORT; access_log logs/access.log; location / { return 200 "ok"; } }
            """))
        defer { proxy.process.stop() }
        var st = stat()
        #expect(stat(proxy.prefix + "/logs", &st) == 0 && st.st_uid == 0 && st.st_mode & 0o022 == 0)
        #expect(Accounts.statusOnceStarted(proxy)["Uid"]?.hasPrefix("0\t") == false)

        #expect(try proxy.get("/before").status == 200)
        #expect(waitFor { proxy.file("logs/access.log").contains("GET /before ") })
        #expect(rename(proxy.prefix + "/logs/access.log", proxy.prefix + "/logs/access.log.1") == 0)
        #expect(rename(proxy.prefix + "/logs/error.log", proxy.prefix + "/logs/error.log.1") == 0)
        proxy.signal(SIGUSR1)
        #expect(waitFor { proxy.file("logs/error.log").contains("logs reopened") }, "\(proxy.file("logs/error.log.1"))")
        #expect(!proxy.file("logs/error.log").contains("[alert]"))
        #expect(try proxy.get("/after").status == 200)
        #expect(waitFor { proxy.file("logs/access.log").contains("GET /after ") })
        #expect(!proxy.file("logs/access.log.1").contains("GET /after "))
        // The new files are the user's, as nginx's reopen chowns them (they were root's).
        let nobody = try #require(Accounts.user("nobody"))
        for name in ["access.log", "error.log"] {
            var f = stat()
            #expect(stat(proxy.prefix + "/logs/" + name, &f) == 0 && f.st_uid == nobody.uid, "\(name): uid \(f.st_uid)")
        }
    }
}

/// /etc/passwd, /etc/group and /proc read as text.
enum Accounts {
    static func user(_ name: String) -> (uid: UInt32, gid: UInt32)? {
        guard let f = entry(name, in: "/etc/passwd"), f.count > 3, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
        return (uid, gid)
    }

    static func group(_ name: String) -> UInt32? {
        guard let f = entry(name, in: "/etc/group"), f.count > 2 else { return nil }
        return UInt32(f[2])
    }

    private static func entry(_ name: String, in file: String) -> [Substring]? {
        let text = (try? TempDir.read(file)) ?? ""
        return text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
            .first { $0.first.map(String.init) == name }
    }

    /// `Uid`, `Gid`, `Groups`… of /proc/PID/status, values trimmed.
    static func status(of pid: pid_t) -> [String: String] {
        let text = (try? TempDir.read("/proc/\(pid)/status")) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = String(line[line.index(after: colon)...].drop { $0 == "\t" || $0 == " " })
                .trimmingSuffix { $0 == " " || $0 == "\t" }
        }
        return out
    }

    /// The master's status once it logged "started": the pid file appears before the drop, the workers after it.
    static func statusOnceStarted(_ proxy: LiveProxy) -> [String: String] {
        _ = waitFor(seconds: 20) { proxy.errorLog.contains(" started, ") }
        return status(of: proxy.pid)
    }

    /// A port below 1024 that refuses a connection on 127.0.0.1.
    static func unusedPrivilegedPort() -> UInt16? {
        for _ in 0..<50 {
            let p = UInt16.random(in: 600..<1000)
            if (try? TestClient(port: p)) == nil { return p }
        }
        return nil
    }
}

extension String {
    func trimmingSuffix(while drop: (Character) -> Bool) -> String {
        var s = self
        while let last = s.last, drop(last) { s.removeLast() }
        return s
    }
}
