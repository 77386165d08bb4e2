@testable import Config
import Testing

/// The reference deployment's files, read from Fixtures/ through the real file system.
private let fixtures: String = {
    let file = #filePath
    return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
}()

private func loadFixture(_ directory: String, diagnostics: inout [ConfigDiagnostic]) throws(ConfigError) -> Configuration {
    let loader = ConfigLoader(options: testOptions(), source: FileSystemConfigSource())
    return try loader.load(file: "\(fixtures)/\(directory)/nginx.conf", diagnostics: &diagnostics)
}

struct ReferenceConfigTests {
    @Test func cleanReferenceLoadsWithOneNoticePerIgnoredDirective() throws {
        var diagnostics: [ConfigDiagnostic] = []
        let config = try loadFixture("reference", diagnostics: &diagnostics)
        let main = "\(fixtures)/reference/nginx.conf"
        // The fastcgi_* lines (29-36) are settings of the FastCGI module now, inherited by fastcgi_pass locations.
        let ignored = [("tcp_nopush", 26)]
        #expect(diagnostics.map(\.description) == ignored.map { name, line in
            "[notice] directive \"\(name)\" has no effect in switchyard, ignored in \(main):\(line)"
        })
        #expect(config.main.workerProcesses == .count(8))
        #expect(config.main.workerRlimitNofile == 65535)
        #expect(config.events.method == "epoll")
        #expect(config.events.workerConnections == 65535)
        #expect(config.files.map(\.path) == [main, "\(fixtures)/reference/mime.types", "\(fixtures)/reference/vhosts/test.conf"])
    }

    @Test func referenceModel() throws {
        var diagnostics: [ConfigDiagnostic] = []
        let http = try loadFixture("reference", diagnostics: &diagnostics).http!
        let settings = http.settings
        #expect(settings.content.defaultType == "application/octet-stream")
        #expect(settings.content.charset == "utf-8")
        #expect(settings.fastcgi.family.connectTimeout == .seconds(30000) && settings.fastcgi.family.readTimeout == .seconds(30000))
        #expect(settings.fastcgi.family.bufferSize == 256 * 1024 && settings.fastcgi.family.interceptErrors)
        #expect(settings.content.types["js"] == "application/javascript")
        #expect(http.logFormat(named: "main")!.template.variableNames == [
            "http_x_forwarded_for", "remote_addr", "remote_user", "time_local", "request", "status", "body_bytes_sent",
            "http_referer", "http_user_agent", "http_cookie", "host", "request_time",
        ])
        #expect(settings.client.keepaliveTimeout == .seconds(65))
        #expect(settings.client.maxBodySize == 10 << 20)
        #expect(settings.proxy.connectTimeout == .seconds(5))
        #expect(settings.proxy.readTimeout == .seconds(60))
        #expect(settings.proxy.bufferSize == 64 << 10)
        #expect(settings.proxy.buffers == BufferCount(count: 4, size: 128 << 10))
        #expect(settings.proxy.tempPath == "/home/temp_dir")
        #expect(http.cachePaths.map(\.zoneName) == ["cache_one"])
        #expect(settings.gzip.compLevel == 9)
        #expect(settings.gzip.types.contains("application/x-javascript"))

        #expect(http.upstreams.map(\.name) == ["tomcat-lb"])
        #expect(http.upstreams[0].servers.map(\.address) == [.inet(host: "127.0.0.1", port: 8081), .inet(host: "127.0.0.1", port: 8091)])
        let server = http.servers[0]
        #expect(server.listens.map(\.address) == [.inet(host: "*", port: 80)])
        #expect(server.names == [.exact("www.wangshibo.com")])
        let root = server.locations[0]
        #expect(root.match == .prefix("/"))
        guard case .proxy(.static(let url))? = root.handler else {
            Issue.record("no proxy_pass")
            return
        }
        #expect(url.target == .upstream("tomcat-lb"))
        #expect(root.settings.proxy.requestHeaders.map(\.name) == ["X-Real-IP", "REMOTE-HOST", "Host", "X-Forwarded-For", "Connection"])
        let statics = server.locations[1]
        #expect(statics.match == .regex(".*\\.(gif|jpg|png|htm|html|css|ico|flv|swf)(.*)", caseInsensitive: false))
        #expect(statics.settings.proxy.redirect == .off)
        #expect(statics.settings.proxy.cache.zone == "cache_one")
        #expect(statics.settings.proxy.cache.valid.count == 3)
        #expect(statics.settings.content.expires == .after(.seconds(30 * 86400)))
        #expect(statics.settings.proxy.cache.key.source == "$host$uri$is_args$args")
        #expect(statics.settings.proxy.requestHeaders.map(\.name) == ["Host", "Connection"])
    }

    @Test func asPublishedWarnsAboutSpacesThenPointsAtTheFirstTypographicQuote() {
        var diagnostics: [ConfigDiagnostic] = []
        let main = "\(fixtures)/as-published/nginx.conf"
        #expect(throws: ConfigError(
            "unexpected typographic quote \"‘\" (U+2018) at column 23; use ASCII quotes ' or \"",
            at: SourceLocation(file: main, line: 19))
        ) {
            _ = try loadFixture("as-published", diagnostics: &diagnostics)
        }
        #expect(diagnostics.map(\.description) == [
            "[warn] treated 46 non-breaking spaces (U+00A0) as plain spaces, the first in \(main):2"   // up to the quote; line 1 is a comment
        ])
    }

    @Test func asPublishedVhostLoadsWithOneWarning() throws {
        var files = InMemoryConfigSource([:])
        let reference = FileSystemConfigSource()
        files.files["/r/nginx.conf"] = try reference.read("\(fixtures)/reference/nginx.conf")
        files.files["/r/mime.types"] = try reference.read("\(fixtures)/reference/mime.types")
        files.files["/r/vhosts/test.conf"] = try reference.read("\(fixtures)/as-published/vhosts/test.conf")
        var diagnostics: [ConfigDiagnostic] = []
        let config = try ConfigLoader(options: testOptions(), source: files).load(file: "/r/nginx.conf", diagnostics: &diagnostics)
        #expect(diagnostics.filter { $0.level == .warn }.map(\.description) == [
            "[warn] treated 247 non-breaking spaces (U+00A0) as plain spaces, the first in /r/vhosts/test.conf:2"
        ])
        #expect(config.http!.servers[0].names == [.exact("www.wangshibo.com")])
    }
}
