/// zlib window and hash sizes for one response, chosen the way nginx chooses them.
///
/// nginx (`ngx_http_gzip_filter_memory`, called from the gzip header filter before
/// `ngx_http_gzip_filter_deflate_start` runs `deflateInit2`) starts from `gzip_window`/`gzip_hash`
/// (defaults 15 and 8) and, when the response length is known, halves the window (and the hash with
/// it) while the body would still fit in the smaller window, because zlib's usable window is 262 bytes
/// short of its size. A 1 KiB page therefore costs zlib ~10 KiB instead of ~260 KiB.
///
///     GzipMemory.parameters(contentLength: 1500)  // (windowBits: 11, memLevel: 4)
public enum GzipMemory {
    /// nginx's defaults: `gzip_window 32k` (MAX_WBITS) and `gzip_hash 128k` (MAX_MEM_LEVEL - 1).
    public static let defaultWindowBits = 15
    public static let defaultMemLevel = 8

    public static func parameters(
        contentLength: Int?,
        windowBits: Int = defaultWindowBits,
        memLevel: Int = defaultMemLevel
    ) -> (windowBits: Int, memLevel: Int) {
        var wbits = min(max(windowBits, 9), 15)
        var level = min(max(memLevel, 1), 9)
        if let length = contentLength, length > 0 {
            // zlib's real window is (1 << wbits) - 262 bytes; shrink while the body fits in half of it.
            // zlib's gzip wrapper rejects wbits 8, and (1 << 8) - 262 < 0 stops the loop at 9 anyway.
            while wbits > 9 && length < (1 << (wbits - 1)) - 262 {
                wbits -= 1
                level -= 1
            }
            level = max(level, 1)
        }
        return (wbits, level)
    }

    /// Bytes zlib allocates for deflate with these parameters (zlib's formula, as nginx preallocates):
    /// 8 KiB of state + two window-sized buffers + the hash chains.
    public static func deflateFootprint(windowBits: Int, memLevel: Int) -> Int {
        8192 + (1 << (windowBits + 2)) + (1 << (memLevel + 9))
    }
}
