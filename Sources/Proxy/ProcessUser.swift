import CSystem
import EventLoop
import Glibc

/// The user and group the master runs as once started as root: `user name [group]`, or nginx's default
/// `nobody` with group `nobody` (`nogroup` where that is its name, as on Debian).
struct ProcessUser {
    let name: String
    let uid: uid_t
    let gid: gid_t

    /// nginx's lookups: an unknown user or group is an error (`getpwnam("x") failed`); without a group, the
    /// group named like the user.
    static func resolve(_ spec: String?) -> Result<ProcessUser, ConfigText> {
        let parts = spec?.split(separator: " ").map(String.init) ?? []
        let name = parts.first ?? "nobody"
        var uid: UInt32 = 0, gid: UInt32 = 0
        guard cswy_lookup_user(name, &uid, &gid) == 0 else { return .failure(ConfigText("getpwnam(\"\(name)\") failed")) }
        let groups = parts.count > 1 ? [parts[1]] : spec != nil ? [name] : ["nobody", "nogroup"]
        var found = false
        for g in groups where !found { found = cswy_lookup_group(g, &gid) == 0 }
        if !found && spec != nil { return .failure(ConfigText("getgrnam(\"\(groups[0])\") failed")) }
        return .success(ProcessUser(name: name, uid: uid, gid: gid))
    }

    /// setgid, initgroups, setuid, in that order (setuid last: the others need root). Returns an error text.
    func apply() -> String? {
        if setgid(gid) != 0 { return "setgid(\(gid)) failed (\(errno): \(Syscall.describe(errno)))" }
        if cswy_initgroups(name, gid) != 0 { return "initgroups(\(name), \(gid)) failed (\(errno): \(Syscall.describe(errno)))" }
        if setuid(uid) != 0 { return "setuid(\(uid)) failed (\(errno): \(Syscall.describe(errno)))" }
        return nil
    }

    /// nginx's ngx_create_paths: a directory the workers write in later (made while loading: TempDirectories,
    /// CacheZone) is given to the user, owner only: group and others keep what they had.
    func own(_ directory: String) {
        var st = stat()
        guard stat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return }
        if st.st_uid != uid { _ = chown(directory, uid, gid_t.max) }
        if st.st_mode & 0o700 != 0o700 { _ = chmod(directory, (st.st_mode & 0o7777) | 0o700) }
    }
}

/// A message for an `[emerg]` line.
struct ConfigText: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
