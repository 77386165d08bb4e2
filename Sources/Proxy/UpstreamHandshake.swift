import Balancing
import EventLoop

/// The TLS handshake toward an upstream (`proxy_pass https://…`) on a new connection, the one code path of every
/// executor (ProxyExchange, CacheBackgroundUpdate): SNI and a kept session as proxy_ssl_* say, then nginx's
/// checks (chain, then name). From here on the connection's transport carries TLS, pooled or not.
///
///     switch UpstreamHandshake.start(c, tls, name: name, timeoutMillis: t) { case .done: sendHead() … }
enum UpstreamHandshake {
    enum Step {
        case done
        /// Waiting for the socket: the reader or writer is armed with the timeout.
        case pending
        /// nginx's reason (the caller adds its "while …") and the proxy_next_upstream kind.
        case failed(String, UpstreamFailure)
    }

    /// Puts TLS on the connected `c` and takes the first step. `certificate`: the client certificate chosen
    /// by variables for this connection (UpstreamTLS.certificate(for:)).
    static func start(_ c: UpstreamConnection, _ up: UpstreamTLS, name: String, certificate: UpstreamCertificate? = nil,
                      timeoutMillis: Int) -> Step {
        let stream = TLSStream(context: up.context, fd: c.fd)
        if let pick = certificate {
            do { try stream.useCertificate(pick.cert, key: pick.key, passwords: pick.passwords) } catch {
                return .failed(error.message, .error)
            }
        }
        if up.sendsServerName && UpstreamTLS.sendable(name) { stream.setServerName(name) }
        if let s = up.session(for: c.address) { stream.resume(s) }
        c.transport.tls = stream
        return step(c, up, name: name, timeoutMillis: timeoutMillis)
    }

    /// The next step, on a readiness event of `c`.
    static func step(_ c: UpstreamConnection, _ up: UpstreamTLS, name: String, timeoutMillis: Int) -> Step {
        guard let tls = c.transport.tls else { return .done }
        switch tls.handshake() {
        case .done:
            c.reader.disarm(); c.writer.disarm()
            if up.verify {
                if let failure = tls.verificationFailure {
                    return .failed("upstream SSL certificate verify error: \(failure)", .error)
                }
                if !tls.certificateMatches(host: name) {
                    return .failed("upstream SSL certificate does not match \"\(name)\"", .error)
                }
            }
            up.keep(tls.session, for: c.address)
            return .done
        case .wantRead:
            c.writer.disarm()
            c.reader.arm(timeoutMillis: timeoutMillis)
            return .pending
        case .wantWrite:
            c.writer.arm(exactMillis: timeoutMillis)
            return .pending
        case .closed:
            return .failed("peer closed connection in SSL handshake", .error)
        case .failed(let text):
            return .failed("SSL_do_handshake() failed\(text)", .error)
        }
    }
}
