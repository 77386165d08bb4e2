import ASCIIBytes
import HTTP1

/// nginx's sub_filter search over a body that arrives in pieces, as a value: pieces in, text and replacements out.
/// At each position, from the left, the first pattern (in configuration order) found there case-insensitively
/// replaces its bytes, and the search goes on after them; with `once`, each pattern is replaced at most once, and
/// once all have been, the rest passes untouched. A match may straddle pieces: from the first position where a
/// pattern could still begin, at most the longest pattern's length minus one byte is held until the next piece
/// decides it. The end of the body sends what is held as it is (nginx does not search the tail again). Work is
/// linear in the body: each position compares at most the patterns that start with its byte.
struct SubFilterMatcher {
    enum Output { case text(ByteView), replacement(line: Int) }

    let patterns: SubFilterPatterns
    let once: Bool
    private var held: [UInt8] = []
    private var applied: [Bool]
    private var appliedCount = 0
    /// `once` and every pattern replaced: the rest of the body passes as it is.
    private(set) var exhausted = false

    init(_ patterns: SubFilterPatterns, once: Bool) {
        self.patterns = patterns
        self.once = once
        applied = once ? [Bool](repeating: false, count: patterns.patterns.count) : []
        held.reserveCapacity(max(0, patterns.longest - 1))
    }

    /// Bytes held back across pieces so far (always fewer than the longest pattern).
    var heldCount: Int { held.count }

    /// Searches `piece` (after what is held): `emit` gets text slices (of the piece, or of what was held) and the
    /// replacements found, in order, synchronously.
    mutating func feed(_ piece: ByteView, _ emit: (Output) -> Void) {
        if exhausted { return emit(.text(piece)) }
        let h = held.count
        let n = h + piece.count
        var sent = 0   // positions before this went out
        var s = 0
        var partialAt = -1
        scan: while s < n {
            let first = ASCII.lower(s < h ? held[s] : piece[s - h])
            let range = patterns.candidates(first)
            if range.isEmpty { s += 1; continue }
            for k in range {
                let i = patterns.candidate(k)
                if once && applied[i] { continue }
                let p = patterns.patterns[i]
                let end = min(p.count, n - s)
                var j = 1
                while j < end {
                    let at = s + j
                    if ASCII.lower(at < h ? held[at] : piece[at - h]) != p[j] { break }
                    j += 1
                }
                if j < end { continue }   // differs
                if p.count > n - s { partialAt = s; break scan }   // the next piece decides; later patterns wait
                emitText(piece, sent, s, emit)
                emit(.replacement(line: patterns.lines[i]))
                s += p.count
                sent = s
                if once {
                    applied[i] = true
                    appliedCount += 1
                    if appliedCount == applied.count {
                        exhausted = true
                        emitText(piece, sent, n, emit)
                        held.removeAll(keepingCapacity: true)
                        return
                    }
                }
                continue scan
            }
            s += 1
        }
        let keep = partialAt >= 0 ? partialAt : n
        emitText(piece, sent, keep, emit)
        // What is held from `keep` on: fewer than the longest pattern's bytes.
        if keep < h {
            held.removeFirst(keep)
            piece.append(0, piece.count, to: &held)
        } else {
            held.removeAll(keepingCapacity: true)
            piece.append(keep - h, piece.count, to: &held)
        }
    }

    /// The body ended: what is held goes out as it is.
    mutating func finish(_ emit: (Output) -> Void) {
        if held.isEmpty { return }
        held.withByteView { emit(.text($0)) }
        held.removeAll()
    }

    /// Positions `from ..< to` of held-then-piece, as up to two slices.
    private func emitText(_ piece: ByteView, _ from: Int, _ to: Int, _ emit: (Output) -> Void) {
        if from >= to { return }
        let h = held.count
        if from < h { held.withByteView { emit(.text($0.slice(from, min(to, h)))) } }
        if to > h { emit(.text(piece.slice(max(from, h) - h, to - h))) }
    }
}
