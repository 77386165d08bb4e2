import Config
import EventLoop

/// Where a client connection on a `listen … ssl` address is before it reads requests.
enum TLSPhase { case none, peek, handshake }

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
                worker.log(.info, "recv() failed (\(e): \(Syscall.describe(e))) while SSL handshaking", id)
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
            stream.chooseServer = { [unowned self] name in self.serverForName(name) }
            transport.tls = stream
            tlsPhase = .handshake
        }
        guard let tls = transport.tls else { return true }
        switch tls.handshake() {
        case .done:
            tlsPhase = .none
            tls.chooseServer = nil
            writer.disarm()
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
            worker.log(.info, "SSL_do_handshake() failed\(text) while SSL handshaking", id)
            close(); return false
        }
    }

    /// SNI: the context of the server the name selects on this address (its default without a name).
    private func serverForName(_ name: [UInt8]?) -> TLSStream.ServerChoice {
        let server = name.map { listen.hosts.select(host: $0) } ?? listen.hosts.defaultServer
        if server.rejectHandshake { return .reject }
        guard let ctx = server.tls else { return .keep }
        return .use(ctx)
    }

    var isTLS: Bool { transport.tls != nil }
}
