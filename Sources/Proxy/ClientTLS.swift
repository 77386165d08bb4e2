import Config
import EventLoop

/// Where a client connection on a `listen … ssl` address is before it reads requests.
/// `.ocsp`: the handshake is done and the client certificate's OCSP check (ssl_ocsp) is under way.
enum TLSPhase { case none, peek, handshake, ocsp }

// The TLS start of a client connection: the first byte decides TLS or plain HTTP (nginx's 497), then the
// handshake runs on the connection's own readiness events, bounded like a request head by
// client_header_timeout (the connection is in the worker's head queue from accept).
extension ClientConnection {
    /// Advances the TLS start; true when the connection can read requests now (handshake done, or plain HTTP).
    func continueTLS() -> Bool {
        if tlsPhase == .peek {
            let (r, first) = transport.peekFirstByte()
            switch r {
            case .wouldBlock: return false
            case .eof: close(); return false
            case .error(let e):
                worker.log(.info, "recv() failed (\(e): \(Syscall.describe(e))) while SSL handshaking", self)
                close(); return false
            case .done:
                if first != 0x16 && first & 0x80 == 0 {
                    tlsPhase = .none
                    plainOnTLSPort = true
                    return true
                }
            }
            guard let ctx = listen.hosts.defaultServer.tls else { close(); return false }
            let stream = TLSStream(context: ctx, fd: fd)
            stream.chooseServer = { [unowned self, unowned stream] name in self.serverForName(name, stream) }
            stream.loadCertificates = { [unowned self] stream in self.loadCertificates(stream) }
            transport.tls = stream
            tlsPhase = .handshake
        }
        guard let tls = transport.tls else { return true }
        if tlsPhase == .ocsp { return false }
        switch tls.handshake() {
        case .done:
            tlsPhase = .none
            let chosen = listen.hosts.afterHandshake ? tls.chosen : nil
            tls.chooseServer = nil; tls.loadCertificates = nil; tls.chosen = nil
            writer.disarm()
            if listen.hosts.afterHandshake { return afterHandshake(tls, chosen: chosen as? ServerRuntime) }
            return true
        case .wantRead:
            writer.disarm()
            return false
        case .wantWrite:
            if !writer.isArmed { writer.arm() }
            return false
        case .closed:
            close(); return false
        case .failed(let text):
            worker.log(.info, "SSL_do_handshake() failed\(text) while SSL handshaking", self)
            close(); return false
        }
    }

    /// SNI: the context of the server the name selects on this address (its default without a name).
    private func serverForName(_ name: [UInt8]?, _ stream: TLSStream) -> TLSStream.ServerChoice {
        let named = name.flatMap { listen.hosts.find(host: $0) }
        let server = named ?? listen.hosts.defaultServer
        sniServerName = named != nil ? name : nil
        stream.chosen = server
        if server.rejectHandshake { return .reject }
        guard let ctx = server.tls else { return .keep }
        return .use(ctx)
    }

    /// ssl_certificate with variables: the pairs of the server whose context the handshake uses (SNI's choice,
    /// else the address's default), evaluated with the variables of the server SNI chose, as nginx does.
    private func loadCertificates(_ stream: TLSStream) -> Bool {
        let hosts = listen.hosts
        let chosen = stream.chosen as? ServerRuntime ?? hosts.defaultServer
        guard let certificates = (chosen.tls != nil ? chosen : hosts.defaultServer).dynamicCertificates else { return true }
        let r = request
        r.head = DynamicCertificates.handshakeHead
        r.server = chosen
        defer { r.reset() }
        for pair in certificates.pairs {
            let cert = certificates.source(r.evaluate(pair.cert)), key = certificates.source(r.evaluate(pair.key))
            do { try stream.useCertificate(cert, key: key, passwords: certificates.passwords) } catch {
                worker.log(.error, error.message + " while SSL handshaking", self)
                return false
            }
        }
        return true
    }

    /// ssl_stapling's refresh the handshake found due, and ssl_ocsp, for the server whose context the handshake
    /// ended with: SNI's choice when it has a context, else the address's default. True when requests can be read.
    private func afterHandshake(_ tls: TLSStream, chosen: ServerRuntime?) -> Bool {
        let server = chosen?.tls != nil ? chosen! : listen.hosts.defaultServer
        if let stapling = server.stapling, let due = tls.stapleDue { stapling.refresh(due, worker: worker) }
        if let ocsp = server.clientOCSP, let ctx = server.tls { return checkOCSP(tls, ocsp, ctx) }
        return true
    }

    /// ssl_ocsp: checks the client certificate's chain before any request is read; true when that is done
    /// already (nothing to check, or answered from the cache), else the connection waits, not reading, until
    /// the check ends and `resumeAfterOCSP` goes on.
    private func checkOCSP(_ tls: TLSStream, _ config: ClientOCSPRuntime, _ ctx: TLSContext) -> Bool {
        switch OCSPChain.of(tls) {
        case .nothing:
            return true
        case .failed(let why):
            worker.log(.error, why + " while SSL handshaking", self)
            close(); return false
        case .chain(let chain):
            let check = ClientOCSPCheck(config: config, context: ctx, chain: chain, worker: worker, connection: id)
            ocspCheck = check
            if check.start(done: { [unowned self] in self.resumeAfterOCSP() }) { return true }
            tlsPhase = .ocsp
            reader.disarm()
            return false
        }
    }

    var isTLS: Bool { transport.tls != nil }
}
