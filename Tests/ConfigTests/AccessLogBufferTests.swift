@testable import Config
import Testing

/// A buffered access log is one buffer per file: nginx refuses two `access_log`s of a file that describe it
/// differently, and a buffer for a name made of variables.
struct AccessLogBufferTests {
    @Test func oneFileTwoBuffers() {
        #expect(loadError(http("access_log logs/x.log combined buffer=16k;\nserver { access_log logs/x.log combined buffer=32k; }"))
            == "access_log \"logs/x.log\" already defined with conflicting parameters in /c/nginx.conf:4")
        #expect(loadError(http("access_log logs/x.log combined gzip;\nserver { access_log /p/logs/x.log combined gzip=2; }"))
            == "access_log \"/p/logs/x.log\" already defined with conflicting parameters in /c/nginx.conf:4")
    }

    /// The same buffer described twice, another format, or an unbuffered log of the file are all one file to nginx.
    @Test func whatNginxAccepts() {
        #expect(loadError(http("""
            access_log logs/x.log combined buffer=64k flush=1s gzip;
            server { access_log logs/x.log combined gzip=1 flush=1000ms; location / { access_log logs/x.log; } }
            """)) == "loaded")
    }

    @Test func bufferedNameWithVariables() {
        #expect(loadError(http("server {\naccess_log logs/$host.log combined buffer=16k; }"))
            == "buffered logs cannot have variables in name in /c/nginx.conf:4")
        #expect(loadError(http("server {\naccess_log logs/$host.log combined flush=1s; }"))
            == "no buffer is defined for access_log \"/p/logs/$host.log\" in /c/nginx.conf:4")
    }
}
