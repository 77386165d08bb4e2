import ASCIIBytes
/// Splits an arriving head into lines, one call per line, remembering how far it has looked so a buffer
/// that grows between calls is never rescanned (total work O(n), as picohttpparser's `last_len`).
///
/// Line terminators: CRLF or a bare LF, as nginx accepts both (RFC 9112 §2.2 allows LF-only). A CR that
/// is not directly before LF is left in the line for the line parser to refuse. Leading empty lines before
/// the start line are skipped (RFC 9112 §2.2) but count towards `headMax`, so a stream of CRLFs is bounded.
struct HeadFramer {
    enum Event {
        case needMore
        /// A start or header line: content in `start..<end` (terminator excluded), absolute buffer offsets.
        case line(start: Int, end: Int)
        /// The empty line ending the head; `end` is the offset just after it.
        case endOfHead(end: Int)
        case startLineTooLong
        case headerLineTooLong
        case headTooLarge
        case bareCR
    }

    let startLineMax: Int
    let headerLineMax: Int
    let headMax: Int

    /// Next byte to examine.
    private(set) var position = 0
    private var lineStart = 0
    /// Offset of the start line's first byte; nil while still skipping leading empty lines.
    private(set) var headStart: Int?
    /// 0 while reading the start line.
    private(set) var lineIndex = 0

    init(startLineMax: Int, headerLineMax: Int, headMax: Int) {
        self.startLineMax = startLineMax
        self.headerLineMax = headerLineMax
        self.headMax = headMax
    }

    mutating func reset() {
        position = 0
        lineStart = 0
        headStart = nil
        lineIndex = 0
    }

    mutating func next(_ buffer: ByteView) -> Event {
        let count = buffer.count
        guard position < count else { return .needMore }
        if headStart == nil {
            while position < count {
                if position >= headMax { return .headTooLarge }
                let b = buffer[position]
                if b == ASCII.lf {
                    position += 1
                } else if b == ASCII.cr {
                    guard position + 1 < count else { return .needMore }
                    guard buffer[position + 1] == ASCII.lf else { return .bareCR }
                    position += 2
                } else {
                    headStart = position
                    lineStart = position
                    break
                }
            }
            guard headStart != nil else { return .needMore }
        }
        // Look for LF only as far as the limits allow: the byte at lineCap would make the line too long, the byte
        // at headMax the head too large.
        let lineCap = lineStart + (lineIndex == 0 ? startLineMax : headerLineMax)
        let stop = min(min(count, lineCap), headMax)   // two-argument mins: no variadic array to optimise away
        let lf = buffer.firstIndex(of: ASCII.lf, from: position, to: stop)
        if lf == stop {
            position = stop
            if stop == count { return .needMore }
            if stop >= headMax { return .headTooLarge }
            return lineIndex == 0 ? .startLineTooLong : .headerLineTooLong
        }
        position = lf + 1
        let start = lineStart
        var end = lf
        if end > start && buffer[end - 1] == ASCII.cr { end -= 1 }
        lineStart = position
        if end == start && lineIndex > 0 { return .endOfHead(end: position) }
        lineIndex += 1
        return .line(start: start, end: end)
    }

}
