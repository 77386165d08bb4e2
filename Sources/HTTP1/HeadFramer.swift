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

    mutating func next(_ buffer: UnsafeRawBufferPointer) -> Event {
        let count = buffer.count
        while position < count {
            if position >= headMax { return .headTooLarge }
            let b = buffer[position]
            if headStart == nil {
                if b == ASCII.lf {
                    position += 1
                    continue
                }
                if b == ASCII.cr {
                    guard position + 1 < count else { return .needMore }
                    guard buffer[position + 1] == ASCII.lf else { return .bareCR }
                    position += 2
                    continue
                }
                headStart = position
                lineStart = position
            }
            if position - lineStart >= (lineIndex == 0 ? startLineMax : headerLineMax) {
                return lineIndex == 0 ? .startLineTooLong : .headerLineTooLong
            }
            position += 1
            if b == ASCII.lf {
                let start = lineStart
                var end = position - 1
                if end > start && buffer[end - 1] == ASCII.cr { end -= 1 }
                lineStart = position
                if end == start && lineIndex > 0 { return .endOfHead(end: position) }
                lineIndex += 1
                return .line(start: start, end: end)
            }
        }
        return .needMore
    }
}
