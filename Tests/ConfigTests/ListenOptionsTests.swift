@testable import Config
import Testing

/// An address is one socket: nginx takes its socket options from one `listen` only, whichever server has it.
struct ListenOptionsTests {
    @Test(arguments: ["backlog=10", "rcvbuf=8k", "sndbuf=8k", "deferred", "bind", "reuseport", "so_keepalive=on", "fastopen=10"])
    func socketOptionsTwiceForOneAddress(_ option: String) {
        #expect(loadError(http("server { listen 127.0.0.1:8080 \(option); }\nserver { listen 127.0.0.1:8080 \(option); }"))
            == "duplicate listen options for 127.0.0.1:8080 in /c/nginx.conf:4")
    }

    @Test func addressesAsNginxSpellsThem() {
        #expect(loadError(http("server { listen 8080 backlog=10; }\nserver { listen *:8080 reuseport; }"))
            == "duplicate listen options for 0.0.0.0:8080 in /c/nginx.conf:4")
        #expect(loadError(http("server { listen [::1]:8080 ipv6only=on; }\nserver { listen [::1]:8080 ipv6only=on; }"))
            == "duplicate listen options for [::1]:8080 in /c/nginx.conf:4")
    }

    /// Options once per address, on any of its listens; ssl, http2, proxy_protocol and default_server are no socket
    /// options; another address is another socket.
    @Test func whatNginxAccepts() {
        #expect(loadError(http("server { listen 8080 backlog=10 default_server; }\nserver { listen 8080; }")) == "loaded")
        #expect(loadError(http("server { listen 8080 proxy_protocol http2; }\nserver { listen 8080 proxy_protocol http2; }"))
            == "loaded")
        #expect(loadError(http("server { listen 8080 backlog=10; }\nserver { listen 127.0.0.1:8080 backlog=10; }")) == "loaded")
    }
}
