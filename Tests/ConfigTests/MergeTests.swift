@testable import Config
import Testing

/// nginx's inheritance: unset values come from the parent; list directives are all-or-nothing per level.
struct MergeTests {
    static let config = """
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header Host $host;
        add_header X-Http 1;
        proxy_hide_header X-A;
        error_page 502 /502.html;
        proxy_read_timeout 90;
        gzip on;
        access_log logs/http.log;
        server {
            proxy_connect_timeout 5;
            location /inherit {
                location /inherit/deeper {}
            }
            location /own {
                proxy_set_header X-Own 1;
                add_header X-Own 1;
                proxy_hide_header X-B;
                error_page 404 /404.html;
                proxy_read_timeout 10;
                gzip off;
                access_log logs/own.log;
                location /own/nested {}
            }
        }
        """

    /// The http level presets four prefix-relative defaults; they reach every level even when no file writes
    /// their directives.
    /// The settings' modules are shared copy-on-write boxes (CopyOnWrite.swift): a level that writes a module gets
    /// its own copy, so its siblings, its parent and the next configuration keep theirs.
    @Test func aModuleWrittenAtOneLevelChangesNoOtherLevel() throws {
        let config = try load(http("""
            server { listen 80; location /a { proxy_read_timeout 7s; } location /b {} }
            server { listen 81; }
            """))
        let servers = config.http!.servers
        #expect(servers[0].locations[0].settings.proxy.readTimeout == .seconds(7))
        #expect(servers[0].locations[1].settings.proxy.readTimeout == .seconds(60))
        #expect(servers[0].settings.proxy.readTimeout == .seconds(60))
        #expect(servers[1].settings.proxy.readTimeout == .seconds(60))
        let next = try load(http("server { listen 80; location / {} }"))
        #expect(next.http!.servers[0].locations[0].settings.proxy.readTimeout == .seconds(60))
        #expect(HTTPSettings().proxy.readTimeout == .seconds(60))
    }

    @Test func prefixDefaultsReachLocationsOfAFileThatSetsNothing() throws {
        let location = firstLocation(try load(http("server { location / { location /n {} } }")))
        for settings in [location.settings, location.nested[0].settings] {
            #expect(settings.proxy.tempPath == "/p/proxy_temp")
            #expect(settings.client.bodyTempPath == "/p/client_body_temp")
            #expect(settings.content.documentRoot == .root("/p/html"))
            #expect(settings.logging.accessLogs.map(\.path) == ["/p/logs/access.log"])
        }
    }

    /// An installed build compiles in the system's paths (make install: /run, /var/log, /var/cache): a file
    /// that names none of them gets those, absolute ones as they are and relative ones under the prefix.
    @Test func compiledInDefaultPathsApplyWhereTheFileNamesNone() throws {
        var options = testOptions()
        options.defaultPaths = DefaultPaths(
            pid: "/run/s.pid", errorLog: "/var/log/s/error.log", accessLog: "/var/log/s/access.log",
            clientBodyTemp: "/var/cache/s/client_temp", proxyTemp: "tmp/proxy")
        let source = InMemoryConfigSource(["/c/nginx.conf": "events {}\nhttp { server { location / {} } }\n"])
        let config = try ConfigLoader(options: options, source: source).load(file: "/c/nginx.conf")
        #expect(config.main.pidPath == "/run/s.pid")
        #expect(config.main.defaultErrorLogPath == "/var/log/s/error.log")
        let settings = firstLocation(config).settings
        #expect(settings.logging.accessLogs.map(\.path) == ["/var/log/s/access.log"])
        #expect(settings.client.bodyTempPath == "/var/cache/s/client_temp")
        #expect(settings.proxy.tempPath == "/p/tmp/proxy")
        // `pid "";` is nginx's unset: the default stays (it was the prefix directory, which -t then refused).
        let empty = InMemoryConfigSource(["/c/nginx.conf": "pid \"\";\nevents {}\nhttp { }\n"])
        #expect(try ConfigLoader(options: options, source: empty).load(file: "/c/nginx.conf").main.pidPath == "/run/s.pid")
    }

    /// A directive used at one server only is still merged down everywhere it is set.
    @Test func aDirectiveUsedOnlyDeepInTheFileIsMergedBelowIt() throws {
        let config = try load(http("server { location / {} } server { proxy_read_timeout 7; location / { location /n {} } }"))
        #expect(firstLocation(config).settings.proxy.readTimeout == .seconds(60))
        let second = config.http!.servers[1].locations[0]
        #expect(second.settings.proxy.readTimeout == .seconds(7))
        #expect(second.nested[0].settings.proxy.readTimeout == .seconds(7))
    }

    @Test func inheritsUnsetValuesAndWholeLists() throws {
        let loaded = try load(http(Self.config))
        let inherit = loaded.http!.servers[0].locations[0]
        for settings in [inherit.settings, inherit.nested[0].settings] {
            #expect(settings.proxy.setHeaders.map(\.name) == ["X-Real-IP", "Host"])
            #expect(settings.content.addHeaders.map(\.name) == ["X-Http"])
            #expect(settings.proxy.hideHeaders == ["X-A"])
            #expect(settings.content.errorPages.map(\.codes) == [[502]])
            #expect(settings.proxy.readTimeout == .seconds(90))
            #expect(settings.proxy.connectTimeout == .seconds(5))
            #expect(settings.gzip.enabled)
            #expect(settings.logging.accessLogs.map(\.path) == ["/p/logs/http.log"])
        }
    }

    @Test func levelThatSetsAListDropsTheParentsList() throws {
        let loaded = try load(http(Self.config))
        let own = loaded.http!.servers[0].locations[1]
        for settings in [own.settings, own.nested[0].settings] {
            #expect(settings.proxy.setHeaders.map(\.name) == ["X-Own"])
            #expect(settings.content.addHeaders.map(\.name) == ["X-Own"])
            #expect(settings.proxy.hideHeaders == ["X-B"])
            #expect(settings.content.errorPages.map(\.codes) == [[404]])
            #expect(settings.proxy.readTimeout == .seconds(10))
            #expect(settings.proxy.connectTimeout == .seconds(5))
            #expect(!settings.gzip.enabled)
            #expect(settings.logging.accessLogs.map(\.path) == ["/p/logs/own.log"])
        }
    }

    @Test func requestHeadersAddNginxDefaultsNotOverridden() throws {
        let loaded = try load(http(Self.config))
        let locations = loaded.http!.servers[0].locations
        #expect(locations[0].settings.proxy.requestHeaders.map(\.name) == ["X-Real-IP", "Host", "Connection"])
        #expect(locations[0].settings.proxy.requestHeaders[1].value.source == "$host")
        #expect(locations[1].settings.proxy.requestHeaders.map { "\($0.name): \($0.value)" } == [
            "X-Own: 1", "Host: $proxy_host", "Connection: close",
        ])
    }

    @Test func typesBlockReplacesInheritedTypes() throws {
        let loaded = try load(http("types { text/css css; }\nserver { location / { types { a/b bb; } } location /x {} }"))
        let locations = loaded.http!.servers[0].locations
        #expect(locations[0].settings.content.types.byExtension == ["bb": "a/b"])
        #expect(locations[1].settings.content.types.byExtension == ["css": "text/css"])
    }

    @Test func proxyPassIsNotInheritedByNestedLocations() throws {
        let loaded = try load(http("server { location / { proxy_pass http://127.0.0.1; location /a {} } }"))
        #expect(firstLocation(loaded).nested[0].handler == nil)
    }

    @Test func isSetTellsWhichLevelWroteIt() throws {
        let loaded = try load(http("gzip on;\nserver { location / {} }"))
        #expect(loaded.http!.settings.gzip.$enabled.isSet)
        #expect(firstLocation(loaded).settings.gzip.$enabled.isSet)
        #expect(!firstLocation(loaded).settings.proxy.$readTimeout.isSet)
    }

    /// `HTTPSettings.inherit(from:)` is written field by field: every field a table row says it merges must be in
    /// it, so a directive added to the table with a new field fails here until the merge has that field too.
    @Test func everyMergedFieldIsInherited() {
        var fields = 0
        for spec in DirectiveTable.all {
            for field in spec.handler.merges {
                var parent = HTTPSettings.unset
                field.markSet(&parent)
                #expect(field.isSet(parent))
                var child = HTTPSettings.unset
                child.inherit(from: parent)
                #expect(field.isSet(child), "\(spec.name): a field it sets is not inherited")
                fields += 1
            }
        }
        #expect(fields > 100)
    }

    /// nginx does not inherit `internal` and `try_files`; the field-by-field merge leaves them out.
    @Test func internalAndTryFilesAreNotInherited() throws {
        let loaded = try load(http("server { location / { internal; try_files $uri =404; location /a {} } }"))
        #expect(firstLocation(loaded).settings.files.tryFiles != nil)
        #expect(firstLocation(loaded).nested[0].settings.files.tryFiles == nil)
        #expect(!firstLocation(loaded).nested[0].settings.content.isInternal)
    }

    /// Locations that set nothing share their merged settings with such siblings under the same parent settings
    /// (ConfigBuilder.freeze); each still ends up with its own parent's values.
    @Test func untouchedLocationsInheritTheirOwnParents() throws {
        let loaded = try load(http("""
            proxy_read_timeout 90;
            server { location /a {} location /b { proxy_read_timeout 10; location /b/c {} location /b/d {} } }
            server { proxy_read_timeout 20; location /e {} location /x { internal; } location /y {} }
            server { location /f {} }
            """))
        let servers = loaded.http!.servers
        func timeout(_ l: LocationConfig) -> Duration { l.settings.proxy.readTimeout }
        #expect(timeout(servers[0].locations[0]) == .seconds(90))
        #expect(servers[0].locations[1].nested.map(timeout) == [.seconds(10), .seconds(10)])
        #expect(servers[1].locations.map(timeout) == [.seconds(20), .seconds(20), .seconds(20)])
        #expect(servers[1].locations[1].settings.content.isInternal)
        #expect(!servers[1].locations[2].settings.content.isInternal)
        #expect(timeout(servers[2].locations[0]) == .seconds(90))
    }
}

/// `resolver` and `resolver_timeout` (ngx_http_core_module): parsed into `Resolver`, inherited downwards.
struct ResolverConfigTests {
    @Test func argumentsAreReadAsNginxReadsThem() throws {
        let loaded = try load(http("resolver 10.0.0.2 [::1]:5353 ns.example:54 valid=30s ipv6=off;\nserver { location / {} }"))
        let r = try #require(firstLocation(loaded).settings.resolver.resolver)
        #expect(r.servers.map(\.host) == ["10.0.0.2", "::1", "ns.example"])
        #expect(r.servers.map(\.port) == [53, 5353, 54])
        #expect(r.validSeconds == 30)
        #expect(r.ipv4 && !r.ipv6)
        #expect(firstLocation(loaded).settings.resolver.timeout == .seconds(30))
    }

    @Test func inheritedAndOverriddenPerLevel() throws {
        let loaded = try load(http("""
            resolver 10.0.0.2;
            resolver_timeout 5s;
            server {
                location /a { location /a/b {} }
                location /c { resolver 10.0.0.3 ipv4=off; resolver_timeout 500ms; }
            }
            """))
        let a = loaded.http!.servers[0].locations[0], c = loaded.http!.servers[0].locations[1]
        for s in [a.settings, a.nested[0].settings] {
            #expect(s.resolver.resolver?.servers.map(\.host) == ["10.0.0.2"])
            #expect(s.resolver.timeout == .seconds(5))
        }
        #expect(c.settings.resolver.resolver?.servers.map(\.host) == ["10.0.0.3"])
        #expect(c.settings.resolver.resolver?.ipv4 == false)
        #expect(c.settings.resolver.timeout == .milliseconds(500))
    }

    @Test func noResolverByDefault() throws {
        let loaded = try load(http("server { location / {} }"))
        #expect(firstLocation(loaded).settings.resolver.resolver == nil)
    }
}
