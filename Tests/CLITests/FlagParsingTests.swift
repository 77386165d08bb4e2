import ArgumentParser
@testable import switchyard
import Testing

/// The flags as ArgumentParser reads them, and the paths they resolve to.
struct FlagParsingTests {
    @Test func nginxFlags() throws {
        let flags = try Switchyard.parse([
            "-t", "-q", "-c", "x.conf", "-p", "/srv/sy/", "-g", "daemon off;", "-s", "reload", "-e", "logs/e.log",
        ])
        let invocation = Invocation(flags)
        #expect(invocation.test && invocation.quiet && !invocation.dump)
        #expect(invocation.prefix == "/srv/sy")
        #expect(invocation.configFile == "/srv/sy/x.conf")
        #expect(invocation.globalDirectives == "daemon off;")
        #expect(invocation.signal == .reload)
        #expect(invocation.errorLog == "/srv/sy/logs/e.log")
    }

    @Test func defaultsResolveAgainstTheCurrentDirectory() throws {
        let invocation = Invocation(try Switchyard.parse([]))
        #expect(invocation.prefix == Invocation.currentDirectory())
        #expect(invocation.configFile == Invocation.currentDirectory() + "/conf/nginx.conf")
        #expect(invocation.errorLog == nil)
        #expect(invocation.signal == nil)
    }

    @Test func dumpImpliesTestAndFlagsCombine() throws {
        let invocation = Invocation(try Switchyard.parse(["-Tq", "-c", "/abs/n.conf", "-e", "stderr"]))
        #expect(invocation.test && invocation.dump && invocation.quiet)
        #expect(invocation.configFile == "/abs/n.conf")
        #expect(invocation.errorLog == "stderr")
    }

    @Test(arguments: [["-s", "restart"], ["-x"], ["-c"]])
    func badFlagsAreRejected(arguments: [String]) {
        #expect(throws: (any Error).self) { try Switchyard.parse(arguments) }
    }

    @Test(arguments: [
        (ProcessSignal.stop, Int32(15)), (.quit, 3), (.reload, 1), (.reopen, 10),
    ])
    func signalNumbers(signal: ProcessSignal, number: Int32) {
        #expect(Signaller.number(of: signal) == number)
    }

    @Test func configureArgumentsComeFromTheModuleTable() {
        let arguments = NginxModule.configureArguments
        #expect(arguments.contains("--without-http_grpc_module"))
        #expect(!arguments.contains { $0.contains("http_fastcgi_module") })
        #expect(!arguments.contains { $0.contains("http_browser_module") })
        #expect(!arguments.contains { $0.contains("http_uwsgi_module") || $0.contains("http_scgi_module") })
        #expect(arguments.contains("--with-http_stub_status_module"))
        #expect(!arguments.contains { $0.contains("http_proxy_module") })
        #expect(arguments.contains("--with-http_ssl_module"))
        #expect(arguments.count == NginxModule.all.filter { $0.builtByDefault != $0.implemented }.count + 1)
    }
}
