/// Estimates how many distinct sessions a peer served within a window (a minute for the status pages,
/// `drain_idle` for the API and metrics), lock-free and in fixed memory: six buckets of a sixth of the window,
/// each a 1024-bit linear-counting bitmap of hashed session ids. The estimate ORs the buckets of the window
/// and counts zero bits (Whang et al.'s linear counting); it is good to a few percent up to a few thousand
/// sessions a window, and exactly 0 when no session was noted in it.
final class SessionCounter: Sendable {
    static let buckets = 6
    let bucketNanoseconds: UInt64
    static let wordsPerBucket = 16
    static var bits: Int { wordsPerBucket * 64 }

    /// Word 0 of each bucket's stripe holds its epoch (bucket number + 1, 0 = never used), then the bitmap.
    private let words = AtomicWords(count: SessionCounter.buckets * (SessionCounter.wordsPerBucket + 1))

    /// `window`: how far back `estimate` looks (a sixth of it per bucket, at least a millisecond).
    init(window: Duration = .seconds(60)) {
        bucketNanoseconds = UInt64(max(1_000_000, window.nanoseconds / Int64(Self.buckets)))
    }

    private func stripe(_ bucket: Int) -> Int { bucket * (Self.wordsPerBucket + 1) }

    func note(hash: UInt64, now: Instant) {
        let epoch = now.nanoseconds / bucketNanoseconds + 1
        let base = stripe(Int(epoch % UInt64(Self.buckets)))
        let seen = words.load(base)
        if seen > epoch { return }  // a note from a minute ago, after the bucket moved on
        if seen < epoch, words.compareExchange(base, expected: seen, desired: epoch) {
            // This thread won the rollover: clear the stale bitmap. A note racing with the reset may be
            // lost, which an estimate tolerates.
            for word in 1...Self.wordsPerBucket { words.store(base + word, 0) }
        }
        let bit = Int(hash % UInt64(Self.bits))
        let word = base + 1 + bit / 64, mask: UInt64 = 1 << UInt64(bit % 64)
        // A session seen this bucket already has its bit: read first, so the usual request writes nothing and
        // the line stays shared between the worker threads instead of bouncing on a locked OR each time.
        if words.load(word) & mask == 0 { words.setBits(word, mask) }
    }

    /// Distinct sessions noted within the window (the current bucket and the five before it).
    func estimate(now: Instant) -> Int {
        let current = now.nanoseconds / bucketNanoseconds + 1
        var union = [UInt64](repeating: 0, count: Self.wordsPerBucket)
        for bucket in 0..<Self.buckets {
            let base = stripe(bucket)
            let epoch = words.load(base)
            guard epoch != 0, epoch <= current, current - epoch < UInt64(Self.buckets) else { continue }
            for word in 0..<Self.wordsPerBucket { union[word] |= words.load(base + 1 + word) }
        }
        let ones = union.reduce(0) { $0 + $1.nonzeroBitCount }
        let zeros = Self.bits - ones
        if zeros == 0 { return Self.bits * 7 }  // saturated: report the bitmap's ceiling (m ln m)
        let estimate = -Double(Self.bits) * NaturalLog.ln(Double(zeros) / Double(Self.bits))
        return Int((estimate).rounded())
    }

    func copy(from old: SessionCounter) {
        guard old.bucketNanoseconds == bucketNanoseconds else { return }  // another window: its buckets mean other times
        for index in 0..<words.count { words.store(index, old.words.load(index)) }
    }
}

/// ln(x) without Foundation or libm: x = 2^e · s with s in [1, 2), ln s = 2·atanh((s−1)/(s+1)).
enum NaturalLog {
    static func ln(_ x: Double) -> Double {
        precondition(x > 0)
        let exponent = Double(x.exponent)
        let s = x.significand
        let y = (s - 1) / (s + 1)
        let y2 = y * y
        var term = y
        var sum = 0.0
        var k = 1.0
        while k < 60 {
            sum += term / k
            term *= y2
            k += 2
        }
        return exponent * 0.693_147_180_559_945_3 + 2 * sum
    }
}
