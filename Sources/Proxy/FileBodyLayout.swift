/// How a file response's body is made from the file when it is not the file as it is: bytes sent before it
/// (`flv`'s 13-byte FLV header ahead of a `start=` offset) and where in the file the rest begins (a `start=`
/// offset, or a cache entry's body after its stored header). Ranges, ETags and lengths count the body's bytes;
/// `split` maps a byte range of the body onto the two sources.
struct FileBodyLayout {
    var prefix: [UInt8] = []
    var fileStart: Int64 = 0

    /// The body's length for a file of `fileSize` bytes.
    func length(fileSize: Int64) -> Int64 { Int64(prefix.count) + fileSize - fileStart }

    /// The body's bytes `start ..< start + count`: a slice of the prefix, then `fileCount` bytes of the file from
    /// `fileOffset`.
    func split(start: Int64, count: Int64) -> (prefix: ArraySlice<UInt8>, fileOffset: Int64, fileCount: Int64) {
        let p = Int64(prefix.count)
        let head = start < p ? prefix[Int(start)..<Int(min(start + count, p))] : []
        return (head, fileStart + max(start - p, 0), count - Int64(head.count))
    }
}
