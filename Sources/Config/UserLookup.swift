private import Glibc

/// nginx's check of `user name [group]` at load: only as root (otherwise the directive is ignored with a
/// warning), an unknown user or group is an error, and the group defaults to the one named like the user.
enum UserLookup {
    static var isRoot: Bool { geteuid() == 0 }

    /// nginx's `[emerg]` text, or nil when both names exist.
    static func problem(user: String, group: String?) -> String? {
        if getpwnam(user) == nil { return "getpwnam(\"\(user)\") failed" }
        let g = group ?? user
        if getgrnam(g) == nil { return "getgrnam(\"\(g)\") failed" }
        return nil
    }
}
