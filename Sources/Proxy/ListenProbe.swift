import EventLoop

extension Runtime {
    /// What binding the listening addresses would fail with, found as nginx's `-t` finds it: each address is
    /// bound and released (nothing listens, nothing stays). nginx's words (`bind() to 192.0.2.1:80 failed (99:
    /// Cannot assign requested address)`), or nil when a start could bind them all (an address a running server
    /// holds counts as bindable).
    public func probeListens() -> String? {
        for l in listens {
            if let failure = Socket.probeBind(l.address, ipv6Only: l.socketOptions.ipv6Only) { return failure.description }
        }
        return nil
    }
}
