/// The paths a configuration gets when it does not name them: nginx's compiled-in `--pid-path`,
/// `--error-log-path`, `--http-log-path` and temp paths. Relative ones resolve against the prefix. A plain
/// build uses nginx's layout under the prefix; `make install` compiles in the system's (/run, /var/log/…).
public struct DefaultPaths: Sendable, Equatable {
    public var pid: String
    public var errorLog: String
    public var accessLog: String
    public var clientBodyTemp: String
    public var proxyTemp: String

    public init(pid: String, errorLog: String, accessLog: String, clientBodyTemp: String, proxyTemp: String) {
        self.pid = pid
        self.errorLog = errorLog
        self.accessLog = accessLog
        self.clientBodyTemp = clientBodyTemp
        self.proxyTemp = proxyTemp
    }

    /// Under the prefix, as an nginx built without path options.
    public static let underPrefix = DefaultPaths(
        pid: "logs/switchyard.pid", errorLog: "logs/error.log", accessLog: "logs/access.log",
        clientBodyTemp: "client_body_temp", proxyTemp: "proxy_temp")
}
