@testable import Config
import Testing

/// nginx's core module checks each server, once merged, for a large header buffer smaller than the connection pool
/// (default 512 bytes), and reports it at the http block's closing `}`.
struct ServerMergeCheckTests {
    @Test func largeHeaderBufferBelowThePool() {
        #expect(loadError(http("connection_pool_size 4k; large_client_header_buffers 4 1k;\nserver { }"))
            == "the \"large_client_header_buffers\" size must be equal to or greater than \"connection_pool_size\" in /c/nginx.conf:5")
        #expect(loadError(http("server { large_client_header_buffers 4 256; }"))
            == "the \"large_client_header_buffers\" size must be equal to or greater than \"connection_pool_size\" in /c/nginx.conf:4")
    }

    @Test func checkedInServersOnly() {
        #expect(loadError(http("connection_pool_size 4k; large_client_header_buffers 4 1k;")) == "loaded")
        #expect(loadError(http("large_client_header_buffers 4 512;\nserver { }")) == "loaded")
    }
}
