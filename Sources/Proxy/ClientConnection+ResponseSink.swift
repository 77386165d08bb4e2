import EventLoop

/// A main request's response goes to its connection: `send`, `cork`, `responseComplete` and backpressure are
/// the connection's own (ClientConnection.swift); files may go with sendfile unless TLS is on the socket.
extension ClientConnection: ResponseSink {
    var takesSendfile: Bool { transport.canSendFile }
}
