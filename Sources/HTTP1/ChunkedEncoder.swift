import ASCIIBytes
/// Writes chunked framing around body bytes the caller appends itself.
/// ```
/// ChunkedEncoder.appendChunkHeader(data.count, to: &out); out += data; ChunkedEncoder.appendChunkEnd(to: &out)
/// ChunkedEncoder.appendLastChunk(to: &out)   // "0\r\n\r\n"
/// ```
public enum ChunkedEncoder {
    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Appends `"%x\r\n"` for a chunk of `length` bytes. A zero length would end the body: use `appendLastChunk`.
    public static func appendChunkHeader(_ length: Int, to out: inout [UInt8]) {
        precondition(length > 0, "a zero-length chunk ends the body; use appendLastChunk")
        var shift = (Int.bitWidth - length.leadingZeroBitCount - 1) / 4 * 4
        let digits = hexDigits.utf8Start
        while shift >= 0 {
            out.append(digits[(length >> shift) & 0xf])
            shift -= 4
        }
        out.append(ASCII.cr)
        out.append(ASCII.lf)
    }

    /// Appends the CRLF that follows a chunk's data.
    public static func appendChunkEnd(to out: inout [UInt8]) {
        out.append(ASCII.cr)
        out.append(ASCII.lf)
    }

    /// The last chunk with no trailers, to send as it is.
    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// Appends the last chunk with no trailers (`lastChunk`).
    public static func appendLastChunk(to out: inout [UInt8]) { out.append(contentsOf: lastChunk) }

    /// Appends one whole chunk (header, data, CRLF); nothing for empty data.
    public static func appendChunk<C: Collection<UInt8>>(_ data: C, to out: inout [UInt8]) {
        guard !data.isEmpty else { return }
        appendChunkHeader(data.count, to: &out)
        out.append(contentsOf: data)
        appendChunkEnd(to: &out)
    }
}
