@testable import Config
import Testing

/// nginx's size slots take k and m only; its offset slots (file sizes and positions) take g too.
struct SizeAndOffsetTests {
    @Test(arguments: ["proxy_max_temp_file_size 2g;", "gzip_min_length 1G;", "fastcgi_max_temp_file_size 1g;"])
    func sizesRefuseGigabytes(_ line: String) {
        let name = String(line.prefix { $0 != " " })
        #expect(loadError(http(line)) == "\"\(name)\" directive invalid value in /c/nginx.conf:3")
    }

    @Test func offsetsTakeGigabytes() {
        #expect(loadError(http("client_max_body_size 2g; directio 4g; directio_alignment 1g; proxy_cache_max_range_offset 1g;"))
            == "loaded")
        #expect(loadError(["nginx.conf": "worker_rlimit_core 1g;\nevents {}\n"]) == "loaded")
        #expect(loadError(http("proxy_max_temp_file_size 2048m; gzip_min_length 1m;")) == "loaded")
    }

    /// `output_buffers` is nginx's buffers slot, and words a bad value as every slot does.
    @Test func outputBuffersInvalidValue() {
        #expect(loadError(http("output_buffers 0 32k;")) == "\"output_buffers\" directive invalid value in /c/nginx.conf:3")
    }
}
