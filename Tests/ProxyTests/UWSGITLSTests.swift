import Glibc
import SwitchyardTestSupport
import Testing

/// uwsgi over TLS (`uwsgi_pass suwsgi://…`, the `uwsgi_ssl_*` directives), against a uwsgi application that
/// terminates TLS itself (Tests/CGIScripts/uwsgi_tls_app.py, Python's `ssl`): it answers with the URI it was
/// sent, the name it saw in SNI and its client certificate's CN.
@Suite(.serialized) struct UWSGITLSTests {
    let kit: TLSTestKit

    init() throws { kit = try TLSTestKit() }

    /// The application with the CA-signed `localhost` certificate, asking for a client certificate of the
    /// client CA (optional).
    final class App {
        let port = freePort()
        let process: PythonProcess

        init(_ kit: TLSTestKit) throws {
            process = try PythonProcess(path: Package.root + "/Tests/CGIScripts/uwsgi_tls_app.py",
                                        [String(port), kit.path("rsa.crt"), kit.path("rsa.key"), kit.path("client-ca.crt")])
            guard eventually(seconds: 20, { process.stdout().contains("ready") || process.reap() != nil }),
                  process.stdout().contains("ready") else {
                throw TestClientError("the uwsgi TLS application did not start: \(process.stderr())")
            }
        }

        deinit { process.stop() }
    }

    @Test func passesOverTLSWithTheUWSGISettingsOnly() throws {
        defer { kit.remove() }
        let app = try App(kit)
        let ca = kit.path("ca.crt")
        let f = try Fixture(http: """
            upstream tlsapp { server 127.0.0.1:\(app.port); }
            server {
                listen 127.0.0.1:PORT;
                uwsgi_param REQUEST_URI $request_uri;
                uwsgi_param CONTENT_LENGTH $content_length;
                # proxy_ssl_* are proxy_pass's: a uwsgi location does not take them
                proxy_ssl_server_name on; proxy_ssl_name proxy.test;
                location /plain { uwsgi_pass suwsgi://127.0.0.1:\(app.port); }
                location /verified {
                    uwsgi_pass suwsgi://127.0.0.1:\(app.port);
                    uwsgi_ssl_server_name on; uwsgi_ssl_name localhost;
                    uwsgi_ssl_verify on; uwsgi_ssl_trusted_certificate \(ca);
                }
                location /wrong {
                    uwsgi_pass suwsgi://127.0.0.1:\(app.port);
                    uwsgi_ssl_name wrong.test; uwsgi_ssl_verify on; uwsgi_ssl_trusted_certificate \(ca);
                }
                location /cert {
                    uwsgi_pass suwsgi://tlsapp;
                    uwsgi_ssl_certificate \(kit.path("client.crt")); uwsgi_ssl_certificate_key \(kit.path("client.key"));
                }
                location /var { set $app suwsgi://127.0.0.1:\(app.port); uwsgi_pass $app; }
                location /down { uwsgi_pass suwsgi://127.0.0.1:\(freePort()); }
            }
            """)
        defer { f.proxy.stop() }
        let plain = try f.get("/plain?a=1")
        #expect(plain.status == 200)
        #expect(plain.text == "uri=/plain?a=1 sni=- client=- body=\n")
        #expect(try f.get("/verified").text == "uri=/verified sni=localhost client=- body=\n")
        #expect(try f.get("/cert").text == "uri=/cert sni=- client=client body=\n")
        #expect(try f.get("/var").text == "uri=/var sni=- client=- body=\n")
        let c = try f.client()
        try c.send("POST /plain HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        #expect(try c.readResponse().text == "uri=/plain sni=- client=- body=hello\n")

        #expect(try f.get("/wrong").status == 502)
        #expect(f.errorLog().contains("upstream SSL certificate does not match \"wrong.test\" while SSL handshaking to upstream"))
        #expect(try f.get("/down").status == 502)
        #expect(f.errorLog().contains("while connecting to upstream, client: 127.0.0.1, server: "), "\(f.errorLog())")
        #expect(f.errorLog().contains("request: \"GET /down HTTP/1.1\", upstream: \"suwsgi://127.0.0.1:"), "\(f.errorLog())")
    }
}
