import Balancing
import Config

/// One `health_check` line, ready for the prober (HealthProber.swift): the upstream it checks, its request (a GET
/// of `uri` with the `Host` the location's proxy_pass sends), its match, and the location's proxy timeouts.
final class HealthCheckRuntime: @unchecked Sendable {
    let upstream: UpstreamRuntime
    let config: HealthCheck
    /// The `match=` name as nginx Plus logs it (`health check "NAME"`); empty for the default test.
    let matchName: String
    let match: HealthMatch
    let request: [UInt8]
    let connectTimeoutMillis: Int
    let sendTimeoutMillis: Int
    let readTimeoutMillis: Int
    let bufferSize: Int
    /// `proxy_pass https://`: the location's TLS toward the upstream, and the name SNI and verification use.
    let tls: UpstreamTLS?
    let tlsName: String

    init(upstream: UpstreamRuntime, config: HealthCheck, match: HealthMatch, proxy: ProxyRuntime) {
        self.upstream = upstream
        self.config = config
        matchName = config.match ?? ""
        self.match = match
        var host = proxy.proxyHost
        if let set = proxy.setHeaders.first(where: { $0.lowercased == Array("host".utf8) }), let value = set.value.constant {
            host = value
        }
        request = Array("GET \(config.uri) HTTP/\(proxy.httpVersion11 ? "1.1" : "1.0")\r\nHost: ".utf8) + host
            + Array("\r\nConnection: close\r\n\r\n".utf8)
        connectTimeoutMillis = proxy.connectTimeoutMillis
        sendTimeoutMillis = proxy.sendTimeoutMillis
        readTimeoutMillis = proxy.readTimeoutMillis
        bufferSize = max(proxy.bufferSize, 4096)
        tls = proxy.tls
        tlsName = proxy.tls?.serverName(proxyHost: proxy.proxyHost) ?? ""
    }

    /// Sets the servers' starting standing when a configuration is built (before any worker picks from it):
    /// an upstream nobody checks any more has no unhealthy server; with `mandatory`, every server is out until
    /// its first check passes, unless `persistent` and it was checked before the reload (then it keeps its state).
    static func settle(_ upstreams: [UpstreamRuntime], checks: [HealthCheckRuntime]) {
        for up in upstreams {
            let mine = checks.filter { $0.upstream === up }
            let health = up.health
            let mandatory = mine.contains { $0.config.mandatory }
            let persistent = mine.contains { $0.config.persistent }
            health.setNewServersUnhealthy(mandatory)
            for i in 0..<health.count {
                let peer = PeerID(i)
                if mine.isEmpty {
                    health.setUnhealthy(peer, false)
                } else if mandatory && !(persistent && health.healthChecks(peer).lastPassed != nil) {
                    health.setUnhealthy(peer, true)
                }
            }
        }
    }
}
