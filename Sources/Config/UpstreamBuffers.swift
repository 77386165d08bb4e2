/// An upstream module's buffer sizes as nginx checks them while merging each level below http
/// (ngx_http_proxy_merge_loc_conf, and fastcgi's, uwsgi's and scgi's alike). switchyard streams a response
/// through one bounded buffer and sizes none by these, but a configuration nginx refuses must fail `-t` here too.
struct UpstreamBuffers {
    /// The directives' prefix: `proxy`, `fastcgi`, `uwsgi`, `scgi`.
    let module: String
    let bufferSize: Int
    let buffers: BufferCount
    /// nil where no level set it: nginx then takes twice the larger of `*_buffer_size` and one buffer.
    let busyBuffersSize: Int?
    let tempFileWriteSize: Int?
    let maxTempFileSize: Int

    init(proxy: borrowing ProxySettings) {
        module = "proxy"
        bufferSize = proxy.bufferSize
        buffers = proxy.buffers
        busyBuffersSize = proxy.$busyBuffersSize.isSet ? proxy.busyBuffersSize : nil
        tempFileWriteSize = proxy.$tempFileWriteSize.isSet ? proxy.tempFileWriteSize : nil
        maxTempFileSize = proxy.maxTempFileSize
    }

    init(_ module: CacheModule, family: borrowing CGIParamsSettings) {
        self.module = module.prefix
        bufferSize = family.bufferSize
        buffers = family.buffers
        busyBuffersSize = family.$busyBuffersSize.isSet ? family.busyBuffersSize : nil
        tempFileWriteSize = family.$tempFileWriteSize.isSet ? family.tempFileWriteSize : nil
        maxTempFileSize = family.maxTempFileSize
    }

    /// nginx's message for the first check that fails, in nginx's order; nil when the sizes agree.
    var problem: String? {
        if buffers.count < 2 { return "there must be at least 2 \"\(module)_buffers\"" }
        let size = max(bufferSize, buffers.size)
        // Made only for a message: this runs at every level of a configuration.
        var atLeast: String { "the maximum of the value of \"\(module)_buffer_size\" and one of the \"\(module)_buffers\"" }
        let busy = busyBuffersSize ?? 2 * size
        if busy < size {
            return "\"\(module)_busy_buffers_size\" must be equal to or greater than " + atLeast
        }
        let (allButOne, overflow) = (buffers.count - 1).multipliedReportingOverflow(by: buffers.size)
        if !overflow && busy > allButOne {
            return "\"\(module)_busy_buffers_size\" must be less than the size of all \"\(module)_buffers\" minus one buffer"
        }
        if (tempFileWriteSize ?? 2 * size) < size {
            return "\"\(module)_temp_file_write_size\" must be equal to or greater than " + atLeast
        }
        if maxTempFileSize != 0 && maxTempFileSize < size {
            return "\"\(module)_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be "
                + "equal to or greater than " + atLeast
        }
        return nil
    }

    /// The first problem of the four modules' buffers at one merged level, in nginx's module order. Runs at every
    /// level of a configuration (20,000 in the load bench): the settings are borrowed, not copied, and no array is
    /// made.
    static func firstProblem(_ settings: borrowing HTTPSettings) -> String? {
        if let p = UpstreamBuffers(proxy: settings.proxy).problem { return p }
        if let p = UpstreamBuffers(.fastcgi, family: settings.fastcgi.family).problem { return p }
        if let p = UpstreamBuffers(.uwsgi, family: settings.uwsgi.family).problem { return p }
        return UpstreamBuffers(.scgi, family: settings.scgi).problem
    }
}
