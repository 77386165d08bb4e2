@testable import Config
import Testing

/// ngx_http_memcached_module's directives: the pass, its own next_upstream words, inheritance and wording.
struct MemcachedDirectivesTests {
    @Test func passFlagsAndInheritance() throws {
        let config = try load(http("""
            memcached_gzip_flag 2;
            memcached_read_timeout 5s;
            server { listen 80;
                     location / { set $memcached_key $uri; memcached_pass 127.0.0.1:11211;
                                  memcached_next_upstream error not_found invalid_response; }
                     location /b { memcached_pass unix:/run/memcached.sock; memcached_gzip_flag 0; } }
            """))
        let locs = config.http!.servers[0].locations
        guard case .cgi(.memcached, .static(let url))? = locs[0].handler else { Issue.record("no memcached_pass"); return }
        #expect(url.target == .address(host: "127.0.0.1", port: 11211))
        #expect(locs[0].settings.memcached.gzipFlag == 2)
        #expect(locs[0].settings.memcached.family.readTimeout == .seconds(5))
        #expect(locs[0].settings.memcached.family.nextUpstream == [.error, .http404, .invalidHeader])
        #expect(locs[1].settings.memcached.gzipFlag == 0)
        #expect(locs[1].settings.memcached.family.nextUpstream == [.error, .timeout])
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("server { listen 80; location / { memcached_next_upstream http_500; } }"))
                == "invalid value \"http_500\" in /c/nginx.conf:3")
        #expect(loadError(http("memcached_pass 127.0.0.1:11211;")) == "\"memcached_pass\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("server { listen 80; location / { memcached_pass 127.0.0.1:0; } }"))
                == "invalid port in upstream \"127.0.0.1:0\" in /c/nginx.conf:3")
        #expect(loadError(http("memcached_gzip_flag x;")) == "\"memcached_gzip_flag\" directive invalid number in /c/nginx.conf:3")
    }
}
