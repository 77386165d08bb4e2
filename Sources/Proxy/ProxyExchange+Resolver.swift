import Config
import EventLoop
import DNS

/// A `proxy_pass` name the location's resolver asks: the name and port, then the addresses (tried round robin
/// from this request's turn, as nginx's implicit group of a resolved name) and, while it waits, the client.
final class NameResolution {
    let name: [UInt8]
    let port: UInt16
    let resolver: ResolverRuntime
    var addresses: [SocketAddress] = []
    var turn = 0
    /// The worker's DNS client while the request waits for it.
    var waitingOn: DNSResolver?

    init(_ name: [UInt8], _ port: UInt16, _ resolver: ResolverRuntime) {
        self.name = name
        self.port = port
        self.resolver = resolver
    }
}

/// `resolver`: a `proxy_pass` with variables that names a host neither an upstream block nor an implicit group
/// holds waits here for the worker's DNS client, then goes to the addresses round robin (proxy_next_upstream
/// walks over them). A cached name answers at once, without leaving the first try.
extension ProxyExchange: DNSResolveWaiter {
    func startNameLookup(_ n: NameResolution) {
        let dns = worker.resolver(for: n.resolver)
        if let (answer, turn) = dns.resolve(n.name, waiter: self) { return nameResolved(answer, turn: turn) }
        n.waitingOn = dns
        setResolvingName()
    }

    /// The client went away while the name was being asked: the query goes on for the others and the cache.
    func cancelNameLookup() {
        resolution?.waitingOn?.cancel(waiter: self)
        resolution?.waitingOn = nil
    }

    func nameResolved(_ answer: ResolverCache.Answer, turn: Int) {
        guard let n = resolution, !isDone else { return }
        n.waitingOn = nil
        switch answer {
        case .addresses(let list):
            n.addresses = list.map { SocketAddress(family: $0.count == 4 ? .v4 : .v6, bytes: $0, port: n.port) }
            n.turn = turn
            nameLookupEnded()
            nextTry()
        case .failed(let code):
            // nginx: "%V could not be resolved (%i: %s)", and 502.
            worker.log(.error, "\(String(decoding: n.name, as: UTF8.self)) could not be resolved (\(code): \(DNSFailure.text(code)))", client)
            nameLookupEnded()
            failClient(502)
        }
    }
}
