import Balancing
import EventLoop
import Glibc

/// nginx Plus's `state FILE`: the upstream's servers as `server` lines, written after every runtime API edit
/// and read back as part of the configuration at start and reload (Config's reader). Written atomically: a
/// temp file beside it, synced, then renamed over it, so a crash leaves the old file or the new one.
enum StateFile {
    /// The file's text for `list`.
    static func text(_ list: ServerList) -> [UInt8] {
        var out = "# written by switchyard's runtime API; edit through the API, not by hand\n"
        for s in list.servers {
            let c = s.config
            out += "server \(c.address) weight=\(c.weight) max_fails=\(c.maxFails) fail_timeout=\(c.failTimeout.components.seconds)s"
            if c.slowStart > .zero { out += " slow_start=\(c.slowStart.components.seconds)s" }
            if c.maxConns > 0 { out += " max_conns=\(c.maxConns)" }
            if let route = c.route { out += " " + word("route=" + String(decoding: route, as: UTF8.self)) }
            if c.isBackup { out += " backup" }
            if c.isDown { out += " down" }
            if c.isDraining { out += " drain" }
            out += ";\n"
        }
        return Array(out.utf8)
    }

    /// A configuration word: quoted (with `"` and `\` escaped) unless it is only letters, digits and `=._~:-`.
    static func word(_ text: String) -> String {
        let plain = text.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "=._~:-".utf8.contains(b)
        }
        if plain { return text }
        var quoted = "\""
        for ch in text {
            if ch == "\"" || ch == "\\" { quoted.append("\\") }
            quoted.append(ch)
        }
        return quoted + "\""
    }

    /// Writes `list` to `path`; the error text (nginx's wording) when it could not.
    static func write(_ list: ServerList, to path: String) -> String? {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return failure("open() \"\(temp)\"") }
        let written = Syscall.writeAll(fd, text(list)) && fsync(fd) == 0
        let err = errno
        Syscall.close(fd)
        guard written else {
            unlink(temp)
            errno = err
            return failure("write() to \"\(temp)\"")
        }
        guard rename(temp, path) == 0 else {
            let message = failure("rename() \"\(temp)\" to \"\(path)\"")
            unlink(temp)
            return message
        }
        return nil
    }

    private static func failure(_ what: String) -> String {
        let e = errno
        return "\(what) failed (\(e): \(Syscall.describe(e)))"
    }
}
