import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// open_log_file_cache's table without files: nginx's access_log.t sequence, then valid and inactive.
struct LogFileCacheTests {
    /// Plays one line to `path`: the descriptor written to (a new one from `next` when the table asks to open),
    /// and whether it was closed after the line.
    final class Player {
        var table: LogFileCache
        var next: Int32 = 100
        var closed: [Int32] = []
        var failing: Set<String> = []
        init(_ table: LogFileCache) { self.table = table }

        @discardableResult
        func line(_ path: String, at now: Int64) -> Int32? {
            var closing: [Int32] = []
            defer { closed += closing }
            switch table.begin(Array(path.utf8), now: now, closing: &closing) {
            case .cached(let fd): return fd
            case .open:
                if failing.contains(path) { table.openFailed(Array(path.utf8), closing: &closing); return nil }
                next += 1
                if table.opened(Array(path.utf8), fd: next, now: now, closing: &closing) { closing.append(next) }
                return next
            }
        }
    }

    /// max=3 min_uses=2: the second line keeps a file open; a fourth path pushes out the least recently used;
    /// a kept descriptor is still written after its file became unreachable by name, the others are not.
    @Test func nginxSequence() {
        let p = Player(LogFileCache(max: 3, minUses: 2, inactiveMillis: 20_000, validMillis: 60_000))
        p.line("lru", at: 1); let lru = p.line("lru", at: 2)
        p.line("once", at: 3)
        p.line("first", at: 4); let first = p.line("first", at: 5)
        p.line("second", at: 6); let second = p.line("second", at: 7)
        #expect(p.closed.contains(lru!))                 // pushed out by "second"
        #expect(!p.closed.contains(first!) && !p.closed.contains(second!))
        p.failing = ["lru", "once", "first", "second"]   // the directory was renamed
        #expect(p.line("lru", at: 8) == nil)
        #expect(p.line("once", at: 9) == nil)
        #expect(p.line("first", at: 10) == first)
        #expect(p.line("second", at: 11) == second)
    }

    /// After `valid` the path is opened again (the old descriptor closed); an entry unused for `inactive` goes.
    @Test func validAndInactive() {
        let p = Player(LogFileCache(max: 10, minUses: 1, inactiveMillis: 5_000, validMillis: 2_000))
        let a = p.line("a", at: 1_000)
        #expect(p.line("a", at: 2_000) == a)
        let again = p.line("a", at: 3_500)
        #expect(again != a && p.closed == [a!])
        p.line("b", at: 4_000)
        p.line("b", at: 9_000)                           // "a" was last used at 3,500: gone at 8,500
        #expect(p.closed.contains(again!) && p.table.entries[Array("a".utf8)] == nil)
        var closing: [Int32] = []
        p.table.removeAll(closing: &closing)
        #expect(closing.count == 1 && p.table.entries.isEmpty)
    }
}

@Suite(.serialized) struct OpenLogFileCacheEndToEndTests {
    /// nginx's access_log.t: lines keep going to a cached file after its directory is renamed, until `valid`.
    @Test func aKeptLogFileOutlivesARename() throws {
        let f = try Fixture(http: """
            log_format t "$uri";
            server {
                listen 127.0.0.1:PORT;
                location /c {
                    open_log_file_cache max=3 inactive=20s valid=1m min_uses=2;
                    access_log logs/dir/c_${arg_n} t;
                    return 200 OK;
                }
                location /u { access_log logs/dir/u_${arg_n} t; return 200 OK; }
            }
            """, files: ["logs/dir/.keep": ""])
        defer { f.proxy.stop() }
        let dir = f.proxy.prefix + "/logs/dir"
        #expect(chmod(dir, 0o777) == 0)   // started as root, the workers write as nobody
        // One worker writes each line before it reads the next request, so the last line seen means all are in.
        for path in ["/c?n=once", "/u?n=plain", "/c?n=kept", "/c?n=kept"] { _ = try f.get(path) }
        #expect(f.logFile("logs/dir/c_kept", containing: "/c\n/c\n") == "/c\n/c\n")
        #expect(rename(dir, dir + "_moved") == 0)
        for path in ["/c?n=once", "/u?n=plain", "/c?n=kept"] { _ = try f.get(path) }
        #expect(f.logFile("logs/dir_moved/c_kept", containing: "/c\n/c\n/c\n") == "/c\n/c\n/c\n")
        #expect(rename(dir + "_moved", dir) == 0)
        #expect(f.proxy.file("logs/dir/c_once") == "/c\n")
        #expect(f.proxy.file("logs/dir/u_plain") == "/u\n")
    }
}
