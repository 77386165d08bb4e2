import HTTP1

extension ChunkedDecoder {
    /// nginx's line for a chunked request body over client_max_body_size: the bytes of the chunks before, then
    /// the size the current chunk announced (`0+268435455` for a first chunk of `fffffff`, however much of it
    /// came with its size line: nginx checks the size before it reads the chunk).
    var tooLargeLine: String {
        let size = currentChunkSize
        return "client intended to send too large chunked body: \(declaredBytes - size)+\(size) bytes"
    }
}
