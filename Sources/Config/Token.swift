/// One lexical unit of the nginx configuration language.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case word
        case semicolon
        case blockStart
        case blockEnd
    }

    let kind: Kind
    /// The word after quote removal and escape processing (empty for punctuation).
    let bytes: [UInt8]
    /// Whether the word was written in single or double quotes.
    let quoted: Bool
    let line: Int
}
