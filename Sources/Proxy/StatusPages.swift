import Balancing
import EventLoop

/// The `upstream_status` JSON page and the `jvm_route_status` text page, from the shared peer health.
enum StatusPages {
    static func upstreamJSON(_ rt: Runtime, now: Instant) -> [UInt8] {
        var out = "{\"upstreams\":{"
        for (ui, up) in rt.upstreams.enumerated() {
            if ui > 0 { out += "," }
            out += "\"\(jsonEscape(up.name))\":{\"servers\":["
            let set = up.current   // one version: its peers and health agree
            for (i, s) in set.health.snapshot(now: now).enumerated() {
                if i > 0 { out += "," }
                let peer = set.peers[i]
                out += "{\"server\":\"\(jsonEscape(peer.address))\",\"state\":\"\(s.state.rawValue)\",\"weight\":\(peer.weight)"
                out += ",\"active\":\(s.active),\"requests\":\(s.requests),\"fails\":\(s.failures)"
                out += ",\"last_failure_ms_ago\":\(s.lastFailure.map { String((now.nanoseconds &- $0.nanoseconds) / 1_000_000) } ?? "null")"
                out += ",\"route\":\(peer.route.map { "\"\(jsonEscape(String(decoding: $0, as: UTF8.self)))\"" } ?? "null")"
                out += ",\"sessions_last_minute\":\(s.sessionsLastMinute)}"
            }
            out += "]"
            let sessions = up.policy.factory.counters.snapshot(table: up.policy.factory.failbackTable)
            out += ",\"sticky_cookies_tampered\":\(sessions.cookiesTampered)"
            out += ",\"sticky_cookies_expired\":\(sessions.cookiesExpired)"
            if up.policy.factory.failbackTable != nil {
                out += ",\"failback\":{\"moved_sessions\":\(sessions.failbackEntries),\"moves\":\(sessions.failbackMoved)"
                out += ",\"kept_on_stand_in\":\(sessions.failbackKept),\"restamped\":\(sessions.failbackRestamped)}"
            }
            out += "}"
        }
        out += "}}\n"
        return Array(out.utf8)
    }

    static func jsonEscape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: if ch.value < 32 { out += "\\u00" + String(ch.value, radix: 16).leftPadded(2) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// The one `[notice]` line a reload logs: what changed.
enum RuntimeDiff {
    static func summary(old: Runtime, new: Runtime) -> String {
        let oldListens = Set(old.listens.map(\.address)), newListens = Set(new.listens.map(\.address))
        var parts: [String] = []
        let added = newListens.subtracting(oldListens), removed = oldListens.subtracting(newListens)
        if !added.isEmpty { parts.append("listen added \(added.map(\.description).sorted().joined(separator: " "))") }
        if !removed.isEmpty { parts.append("listen removed \(removed.map(\.description).sorted().joined(separator: " "))") }
        let oldUp = Dictionary(old.upstreams.map { ($0.name, Set($0.peers.map(\.address))) }, uniquingKeysWith: { a, _ in a })
        let newUp = Dictionary(new.upstreams.map { ($0.name, Set($0.peers.map(\.address))) }, uniquingKeysWith: { a, _ in a })
        for name in newUp.keys.sorted() {
            guard let before = oldUp[name] else { parts.append("upstream \(name) added"); continue }
            let now = newUp[name]!
            let plus = now.subtracting(before).sorted(), minus = before.subtracting(now).sorted()
            if !plus.isEmpty || !minus.isEmpty {
                parts.append("upstream \(name): " + (plus.map { "+\($0)" } + minus.map { "-\($0)" }).joined(separator: " "))
            }
        }
        for name in oldUp.keys.sorted() where newUp[name] == nil { parts.append("upstream \(name) removed") }
        parts.append("\(new.serverCount) server(s), \(new.upstreams.count) upstream(s)")
        return parts.joined(separator: "; ")
    }
}
