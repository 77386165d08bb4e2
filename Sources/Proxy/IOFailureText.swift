import EventLoop

extension IOResult {
    /// nginx's `(errno: text)` for a failed call, built from the errno the call returned (an operator debugging
    /// a failure needs the real one); a send that took nothing without an errno says so.
    var failureText: String {
        if case .error(let e) = self { return "(\(e): \(Syscall.describe(e)))" }
        return "(no bytes written)"
    }
}
