import Config
import EventLoop
import DNS

/// `resolver`: a `proxy_pass` with variables that names a host neither an upstream block nor an implicit group
/// holds waits here for the worker's DNS client, then goes to the addresses round robin (proxy_next_upstream
/// walks over them). A cached name answers at once, without leaving the first try.
extension ProxyExchange: DNSResolveWaiter {
    func startNameLookup() {
        guard let n = nameToResolve else { return }
        let dns = worker.resolver(for: n.resolver)
        if let (answer, turn) = dns.resolve(n.name, waiter: self) { return nameResolved(answer, turn: turn) }
        dnsWait = dns
        setResolvingName()
    }

    /// The client went away while the name was being asked: the query goes on for the others and the cache.
    func cancelNameLookup() {
        dnsWait?.cancel(waiter: self)
        dnsWait = nil
    }

    func nameResolved(_ answer: ResolverCache.Answer, turn: Int) {
        dnsWait = nil
        guard let n = nameToResolve, !isDone else { return }
        switch answer {
        case .addresses(let list):
            resolved = list.map { SocketAddress(family: $0.count == 4 ? .v4 : .v6, bytes: $0, port: n.port) }
            resolvedTurn = turn
            nameLookupEnded()
            nextTry()
        case .failed(let code):
            // nginx: "%V could not be resolved (%i: %s)", and 502.
            worker.log(.error, "\(String(decoding: n.name, as: UTF8.self)) could not be resolved (\(code): \(DNSFailure.text(code)))", client.id)
            nameLookupEnded()
            failClient(502)
        }
    }
}
