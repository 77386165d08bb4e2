import Glibc
import SwitchyardTestSupport
import Testing

/// nginx's core main-context directives that configurations carry: `env`, `worker_rlimit_core` and
/// `working_directory` take effect in the running process (read back from /proc); `load_module`, `pcre_jit`,
/// `thread_pool`, `lock_file` and `debug_points` load with a warning or a notice and have their arguments checked.
@Suite struct MainContextDirectivesTests {
    @Test func envCoreLimitAndWorkingDirectoryApply() throws {
        let dir = try TempDir.make()
        chmod(dir, 0o755)
        let f = try Fixture(http: """
            log_format local '$time_local';
            server { listen 127.0.0.1:PORT; access_log \(dir)/access.log local; return 200 "ok"; }
            """, main: """
            env TZ=XYZ+05:30;
            env HOME;
            worker_rlimit_core 123k;
            working_directory \(dir);
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").text == "ok")
        let pid = f.proxy.pid
        // TZ is the variable nginx's own default `env TZ` is about: local time in the logs follows it.
        #expect(eventually(seconds: 5) { ((try? TempDir.read(dir + "/access.log")) ?? "").hasSuffix(" -0530\n") },
                "\((try? TempDir.read(dir + "/access.log")) ?? "")")
        let limits = try TempDir.read("/proc/\(pid)/limits")
        let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") } ?? ""
        #expect(core.split(separator: " ").filter { $0 == "125952" }.count == 2, "\(core)")
        var link = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(pid)/cwd", &link, link.count - 1)
        #expect(n > 0 && String(decoding: link[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == dir)
    }

    /// More worker_connections than descriptors a process may open is warned at -t (and each load), as nginx's
    /// ngx_event_module_init warns; within the limit there is no word. There was none either way.
    @Test func workerConnectionsOverTheDescriptorLimitAreWarned() throws {
        for (rlimit, warned) in [(100, true), (4096, false)] {
            let (status, stderr, _) = try ProxyProcess.test(config: """
                worker_rlimit_nofile \(rlimit);
                events { worker_connections 1024; }
                http { server { listen 127.0.0.1:1; } }
                """)
            #expect(status == 0, "\(stderr)")
            #expect(stderr.contains("[warn] 1024 worker_connections exceed open file resource limit: 100") == warned, "\(stderr)")
        }
    }

    @Test func acceptedWithAWarningOrANotice() throws {
        let (status, stderr, file) = try ProxyProcess.test(config: """
            load_module modules/ngx_http_geoip_module.so;
            pcre_jit on;
            thread_pool default threads=32 max_queue=65536;
            lock_file logs/nginx.lock;
            debug_points abort;
            events {}
            http { server { listen 127.0.0.1:1; } }
            """)
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("[warn] switchyard has no dynamic modules: \"modules/ngx_http_geoip_module.so\" is not loaded in \(file):1"))
        #expect(stderr.contains("[notice] directive \"pcre_jit\" has no effect in switchyard, ignored"))
        #expect(stderr.contains("[notice] directive \"thread_pool\" has no effect in switchyard, ignored"))
    }

    @Test(arguments: [
        ("worker_rlimit_core lots;", "\"worker_rlimit_core\" directive invalid value"),
        ("worker_rlimit_core 1m; worker_rlimit_core 2m;", "\"worker_rlimit_core\" directive is duplicate"),
        ("working_directory /a; working_directory /b;", "\"working_directory\" directive is duplicate"),
        ("env;", "invalid number of arguments in \"env\" directive"),
        ("pcre_jit maybe;", "invalid value \"maybe\" in \"pcre_jit\" directive"),
        ("thread_pool default;", "invalid number of arguments in \"thread_pool\" directive"),
        ("thread_pool default max_queue=10;", "\"thread_pool\" must have \"threads\" parameter"),
        ("thread_pool default threads=0;", "invalid threads value \"0\""),
        ("thread_pool default threads=4 queue=1;", "invalid parameter \"queue=1\""),
        ("debug_points sometimes;", "invalid value \"sometimes\" in \"debug_points\" directive"),
        ("events {} http { load_module x.so; }", "\"load_module\" directive is not allowed here"),
    ])
    func badArgumentsAreEmergencies(line: String, message: String) throws {
        let rest = line.hasPrefix("events") ? "" : "events {}\nhttp {}"
        let (status, stderr, file) = try ProxyProcess.test(config: "\(line)\n\(rest)\n")
        #expect(status != 0)
        #expect(stderr.contains("[emerg]") && stderr.contains(message) && stderr.contains("\(file):1"), "\(stderr)")
    }
}
