@testable import Config
import Testing

/// nginx checks each upstream module's buffer sizes as it merges every level below http, and reports a mismatch
/// at the http block's closing `}` (line 6 here: the location's body is line 3).
struct UpstreamBufferCheckTests {
    func inLocation(_ body: String) -> [String: String] {
        http("server {\nlocation / { \(body) }\n}")
    }

    @Test func fewerThanTwoBuffers() {
        #expect(loadError(inLocation("proxy_buffers 1 4k;"))
            == "there must be at least 2 \"proxy_buffers\" in /c/nginx.conf:6")
    }

    /// `proxy_buffer_size 32k` alone: the busy size defaults to twice it, more than the seven other 4k buffers.
    @Test func busyBuffersAboveAllButOne() {
        #expect(loadError(inLocation("proxy_buffer_size 32k;"))
            == "\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer in /c/nginx.conf:6")
    }

    @Test func busyBuffersBelowTheLargerBuffer() {
        #expect(loadError(inLocation("proxy_buffers 8 8k; proxy_busy_buffers_size 4k;"))
            == "\"proxy_busy_buffers_size\" must be equal to or greater than the maximum of the value of "
            + "\"proxy_buffer_size\" and one of the \"proxy_buffers\" in /c/nginx.conf:6")
    }

    @Test func tempFileWriteSizeBelowTheLargerBuffer() {
        #expect(loadError(inLocation("proxy_temp_file_write_size 2k;"))
            == "\"proxy_temp_file_write_size\" must be equal to or greater than the maximum of the value of "
            + "\"proxy_buffer_size\" and one of the \"proxy_buffers\" in /c/nginx.conf:6")
    }

    @Test func maxTempFileSizeNeitherZeroNorAtLeastABuffer() {
        #expect(loadError(inLocation("proxy_max_temp_file_size 2k;"))
            == "\"proxy_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be "
            + "equal to or greater than the maximum of the value of \"proxy_buffer_size\" and one of the "
            + "\"proxy_buffers\" in /c/nginx.conf:6")
        #expect(loadError(inLocation("proxy_max_temp_file_size 0; proxy_buffers 4 64k; proxy_busy_buffers_size 128k;"))
            == "loaded")
    }

    @Test(arguments: ["fastcgi", "uwsgi", "scgi"])
    func theCGIModulesCheckTheirOwn(_ module: String) {
        #expect(loadError(inLocation("\(module)_buffers 4 4k; \(module)_busy_buffers_size 16k;"))
            == "\"\(module)_busy_buffers_size\" must be less than the size of all \"\(module)_buffers\" minus one buffer in /c/nginx.conf:6")
        #expect(loadError(inLocation("\(module)_max_temp_file_size 1k;"))
            == "\"\(module)_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be "
            + "equal to or greater than the maximum of the value of \"\(module)_buffer_size\" and one of the "
            + "\"\(module)_buffers\" in /c/nginx.conf:6")
    }

    /// nginx checks merged levels only: http's own values are checked in each server, and a level below that fixes
    /// them passes. `*_buffering off` changes nothing.
    @Test func checkedWhereLevelsMerge() {
        #expect(loadError(http("proxy_buffers 1 4k;")) == "loaded")
        #expect(loadError(http("proxy_buffers 1 4k;\nserver { }")) == "there must be at least 2 \"proxy_buffers\" in /c/nginx.conf:5")
        #expect(loadError(http("proxy_buffers 1 4k;\nserver { proxy_buffers 2 4k; proxy_busy_buffers_size 4k; }")) == "loaded")
        #expect(loadError(inLocation("proxy_buffering off; proxy_buffers 1 4k;"))
            == "there must be at least 2 \"proxy_buffers\" in /c/nginx.conf:6")
        #expect(loadError(inLocation("if ($arg_a) { } location /b { fastcgi_buffers 1 8k; }"))
            == "there must be at least 2 \"fastcgi_buffers\" in /c/nginx.conf:6")
    }
}
