/// The command line of one demo node, parsed into a value (MSM's `<Manager>` attributes as flags).
///
///     let o = try AppOptions.parse(["--port", "8081", "--jvm-route", "tomcat1",
///                                   "--memcached", "n1:127.0.0.1:11211,n2:127.0.0.1:11212", "--non-sticky"])
struct AppOptions: Equatable {
    /// Where sessions live (MSM's `sticky` attribute, or no MSM at all).
    enum Mode: Equatable {
        /// Plain Tomcat: sessions only in this process.
        case local
        /// Local session primary, a backup in memcached written after each request; `failoverNodes` are used
        /// only when every other node is down.
        case sticky(failoverNodes: [String])
        /// memcached primary (plus a backup node), loaded at the start of each request, written back at the end.
        case nonSticky(locking: LockingMode)
        /// Tomcat with DeltaManager-style replication, no MSM: every change is copied out (to memcached here), a
        /// node serves another node's session from that copy and keeps its id (no re-stamp), and trusts its own
        /// memory for sessions stamped with its own route. So a node that comes back serves a stale copy of such a
        /// session, or none at all: the failback problem a proxy has to avoid.
        case replicated
    }

    /// MSM's `lockingMode` for non-sticky sessions.
    enum LockingMode: String, Equatable {
        case none, all, auto
    }

    var port: UInt16 = 8080
    var jvmRoute: String?
    var memcachedNodes: [MemcachedNodeSpec] = []
    var mode: Mode = .local
    var ignorePattern: IgnorePattern = .msmDefault
    /// MSM's `operationTimeout`: the bound of one memcached operation, connect included.
    var operationTimeoutMillis = 1000
    /// Tomcat's default session-timeout (30 minutes), also the memcached expiry.
    var sessionTimeoutSeconds = 1800

    static let usage = """
        usage: session-app --port N [--jvm-route ROUTE]
                           [--memcached n1:HOST:PORT,n2:HOST:PORT [--sticky [--failover-node ID] | --non-sticky [--locking none|all|auto]
                                                                   | --replicated]]
                           [--ignore-pattern '.*\\.(png|gif|jpg|css|js)$'] [--operation-timeout MS] [--session-timeout S]
        Serves /tomcat-session/ like a Tomcat node behind memcached-session-manager.
        """

    struct UsageError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> AppOptions {
        var o = AppOptions()
        var sticky: Bool?
        var replicated = false
        var failover: [String] = []
        var locking: LockingMode?
        var i = 0
        func value(_ flag: String) throws(UsageError) -> String {
            i += 1
            guard i < arguments.count else { throw UsageError("\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let flag = arguments[i]
            switch flag {
            case "--port":
                let v = try value(flag)
                guard let p = UInt16(v), p > 0 else { throw UsageError("invalid --port \"\(v)\"") }
                o.port = p
            case "--jvm-route":
                let v = try value(flag)
                guard !v.isEmpty, v.utf8.allSatisfy(isRouteByte) else { throw UsageError("invalid --jvm-route \"\(v)\"") }
                o.jvmRoute = v
            case "--memcached":
                o.memcachedNodes = try MemcachedNodeSpec.parseList(try value(flag))
            case "--sticky": sticky = true
            case "--non-sticky": sticky = false
            case "--replicated": replicated = true
            case "--failover-node", "--failover-nodes":
                failover += try value(flag).split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            case "--locking":
                let v = try value(flag)
                guard let l = LockingMode(rawValue: v) else { throw UsageError("invalid --locking \"\(v)\" (none, all or auto)") }
                locking = l
            case "--ignore-pattern":
                let v = try value(flag)
                guard let p = IgnorePattern(v) else {
                    throw UsageError("unsupported --ignore-pattern \"\(v)\": use the form .*\\.(ext|ext)$ or \"\"")
                }
                o.ignorePattern = p
            case "--operation-timeout":
                let v = try value(flag)
                guard let ms = Int(v), ms > 0 else { throw UsageError("invalid --operation-timeout \"\(v)\"") }
                o.operationTimeoutMillis = ms
            case "--session-timeout":
                let v = try value(flag)
                guard let s = Int(v), s > 0 else { throw UsageError("invalid --session-timeout \"\(v)\"") }
                o.sessionTimeoutSeconds = s
            default:
                throw UsageError("unknown argument \"\(flag)\"")
            }
            i += 1
        }
        if replicated {
            guard !o.memcachedNodes.isEmpty else { throw UsageError("--replicated needs --memcached") }
            guard sticky == nil, failover.isEmpty, locking == nil else {
                throw UsageError("--replicated excludes --sticky, --non-sticky, --failover-node and --locking")
            }
            o.mode = .replicated
            return o
        }
        try o.settleMode(sticky: sticky, failover: failover, locking: locking)
        return o
    }

    /// MSM defaults to sticky when memcached nodes are configured; the mode flags need nodes.
    private mutating func settleMode(sticky: Bool?, failover: [String], locking: LockingMode?) throws(UsageError) {
        if memcachedNodes.isEmpty {
            if sticky != nil || !failover.isEmpty || locking != nil {
                throw UsageError("--sticky, --non-sticky, --failover-node and --locking need --memcached")
            }
            mode = .local
            return
        }
        let ids = memcachedNodes.map(\.id)
        if sticky ?? true {
            if locking != nil { throw UsageError("--locking applies to --non-sticky only") }
            for f in failover where !ids.contains(f) { throw UsageError("--failover-node \"\(f)\" is not a --memcached node") }
            if Set(failover).count >= ids.count { throw UsageError("--failover-node leaves no regular memcached node") }
            mode = .sticky(failoverNodes: failover)
        } else {
            if !failover.isEmpty { throw UsageError("--failover-node applies to --sticky only") }
            mode = .nonSticky(locking: locking ?? .none)
        }
    }

    /// Route characters: what survives in a cookie value and a memcached key unquoted.
    private static func isRouteByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122) || b == 45 || b == 95
    }
}
