import Glibc
import SwitchyardTestSupport
import Testing

/// The last parts of TLS (issue 17): a cache's background update to an https origin, `proxy_pass https://$var`,
/// and `ssl_certificate` with variables. Origins are switchyards with `listen … ssl` that say what they saw.
@Suite(.serialized) struct TLSCompletionTests {
    let kit: TLSTestKit

    init() throws { kit = try TLSTestKit() }

    /// A TLS origin with the CA-signed `localhost` certificate answering `<prefix>:<connection> <protocol> [<SNI>]`.
    func origin(_ location: String = "") throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
                location / { \(location) return 200 "v$connection $ssl_protocol [$ssl_server_name]"; }
            }
            """)
    }

    var verify: String {
        "proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("ca.crt"));"
    }

    /// proxy_cache_background_update toward `proxy_pass https://`: the refresh handshakes TLS as the exchange does
    /// (before, it spoke plain HTTP to the TLS port, got a 400 and the entry never changed).
    @Test func backgroundUpdateRefreshesFromAnHTTPSOrigin() throws {
        defer { kit.remove() }
        // Stored already expired (X-Accel-Expires in the past): every later request is STALE and refreshes it.
        let o = try origin("add_header X-Accel-Expires @1;")
        defer { o.proxy.stop() }
        let dir = try TempDir.make()
        let f = try Fixture(http: """
            proxy_cache_path \(dir) levels=1:2 keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass https://127.0.0.1:\(o.port);
                    proxy_ssl_server_name on; proxy_ssl_name localhost; \(verify)
                    proxy_cache one; proxy_cache_key $uri; proxy_cache_valid 200 1h;
                    proxy_cache_use_stale updating; proxy_cache_background_update on;
                    add_header X-Cache $upstream_cache_status;
                }
            }
            """)
        defer { f.proxy.stop() }
        let first = try f.get("/bg")
        #expect(first.status == 200 && first.text.hasSuffix(" TLSv1.3 [localhost]"), "\(first.text)")
        var later = first
        for _ in 0..<500 where later.text == first.text {
            later = try f.get("/bg")
            if later.text == first.text { usleep(10_000) }
        }
        #expect(later.text != first.text && later.text.hasSuffix(" TLSv1.3 [localhost]"),
                "\(later.text) \(later.header("X-Cache") ?? "")\n\(f.errorLog())")
        #expect(!f.errorLog().contains("updating the cache in the background"), "\(f.errorLog())")
    }

    /// `proxy_pass https://$var`: an upstream block by name, an address, and a scheme from a variable; the
    /// proxy_ssl_* settings apply to the evaluated host (SNI and verification use it by default).
    @Test func proxyPassHTTPSWithVariables() throws {
        defer { kit.remove() }
        let o = try origin()
        defer { o.proxy.stop() }
        let f = try Fixture(http: """
            upstream localhost { server 127.0.0.1:\(o.port); }
            map $uri $scheme_to { /plain http; default https; }
            server {
                listen 127.0.0.1:PORT;
                location /group { set $g localhost; proxy_pass https://$g; proxy_ssl_server_name on; \(verify) }
                location /named {
                    set $a 127.0.0.1:\(o.port); proxy_pass https://$a;
                    proxy_ssl_server_name on; proxy_ssl_name localhost; \(verify)
                }
                location /wrong { set $a 127.0.0.1:\(o.port); proxy_pass https://$a; \(verify) }
                location / { proxy_pass $scheme_to://127.0.0.1:\(o.port); }
            }
            """)
        defer { f.proxy.stop() }
        let group = try f.get("/group")
        #expect(group.status == 200 && group.text.hasSuffix(" TLSv1.3 [localhost]"), "\(group.text)\n\(f.errorLog())")
        let named = try f.get("/named")
        #expect(named.status == 200 && named.text.hasSuffix(" TLSv1.3 [localhost]"), "\(named.text)")
        // The address is the name checked by default, and an address is never sent in SNI.
        #expect(try f.get("/wrong").status == 502)
        #expect(f.errorLog().contains("upstream SSL certificate does not match \"127.0.0.1\" while SSL handshaking to upstream"))
        let fromVariable = try f.get("/any")
        #expect(fromVariable.status == 200 && fromVariable.text.hasSuffix(" TLSv1.3 []"), "\(fromVariable.text)")
        // http:// from the same variable speaks plain HTTP: the TLS port answers nginx's 400.
        #expect(try f.get("/plain").status == 400)
    }

    /// `ssl_certificate $var` / `ssl_certificate_key $var`: loaded at each handshake with the variables of the
    /// server SNI chose (`$ssl_server_name`, a map), `data:` values, ssl_password_file; a server without
    /// certificates gets its address's default ones; a name that loads nothing fails that handshake only.
    @Test func certificatesWithVariables() throws {
        defer { kit.remove() }
        for (copy, from) in [("localhost", "rsa"), ("wrong.test", "wrong"), ("plain", "ec")] {
            try TempDir.write(kit.path(copy + ".crt"), try TempDir.read(kit.path(from + ".crt")))
            try TempDir.write(kit.path(copy + ".key"), try TempDir.read(kit.path(from + ".key")))
        }
        try TempDir.write(kit.path("passwords"), "not-this-one\nsecret\n")
        let pem = try TempDir.read(kit.path("ec.crt")), key = try TempDir.read(kit.path("ec.key"))
        let f = try Fixture(http: """
            map $ssl_server_name $inline_cert { default 'data:\(pem)'; }
            map $ssl_server_name $inline_key { default 'data:\(key)'; }
            map $ssl_server_name $kind { default encrypted; }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name localhost;
                ssl_certificate \(kit.dir)/$ssl_server_name.crt; ssl_certificate_key \(kit.dir)/$ssl_server_name.key;
                location / { return 200 "$server_name $ssl_server_name"; }
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name plain;
                location / { return 200 "$server_name $ssl_server_name"; }
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name inline;
                ssl_certificate $inline_cert; ssl_certificate_key $inline_key;
                location / { return 200 "$server_name"; }
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name password;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.dir)/rsa-$kind.key;
                ssl_password_file \(kit.path("passwords"));
                location / { return 200 "$server_name"; }
            }
            """)
        defer { f.proxy.stop() }
        func one(_ sni: String) throws -> TLSTestKit.Connection {
            try #require(try kit.connect(port: f.port, request: "GET / HTTP/1.0\r\nHost: \(sni)\r\n\r\n", sni: sni).first)
        }
        let localhost = try one("localhost")
        #expect(localhost.subject.contains("CN = localhost") && localhost.body == "localhost localhost", "\(localhost)")
        // No server has that name: the default server, its names evaluated with the name SNI sent.
        let wrong = try one("wrong.test")
        #expect(wrong.subject.contains("CN = wrong.test") && wrong.body == "localhost wrong.test", "\(wrong)")
        // A server without certificates: the default server's, evaluated with this server's variables (nginx's no_ctx).
        let plain = try one("plain")
        #expect(plain.subject.contains("CN = ec.test") && plain.body == "plain plain", "\(plain)")
        let inline = try one("inline")
        #expect(inline.subject.contains("CN = ec.test") && inline.body == "inline", "\(inline)")
        let password = try one("password")
        #expect(password.subject.contains("CN = localhost") && password.body == "password", "\(password)")
        // No file for the name: that handshake fails, logged; the next one is served.
        let missing = try one("nx.test")
        #expect(missing.status == nil && !missing.error.isEmpty, "\(missing)")
        #expect(f.errorLog().contains("cannot load certificate \"\(kit.dir)/nx.test.crt\""), "\(f.errorLog())")
        #expect(try one("localhost").body == "localhost localhost")
    }
}
