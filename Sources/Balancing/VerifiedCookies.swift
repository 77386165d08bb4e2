/// One worker's memory of signed sticky cookie values it has verified: a client sends the same value on every
/// request, so its HMAC is computed once per worker and later requests cost a compare of the value.
/// Direct-mapped by two characters of the MAC (uniform for genuine values; a forger choosing them only evicts
/// entries, which costs a recomputation). Expiry is checked on every hit.
///
///     var cache = VerifiedCookies()
///     cache.verdict(for: value, signer: signer, unixTime: now)   // computes the HMAC once, then remembers
struct VerifiedCookies {
    struct Entry {
        var value: [UInt8]
        var serverIDLength: Int
        var expires: Int64
    }

    static let slotCount = 256
    private var slots: [Entry?] = []

    init() {}

    mutating func verdict(for value: ArraySlice<UInt8>, signer: CookieSigner, unixTime: Int64) -> CookieSigner.Verdict {
        guard value.count > CookieSigner.suffixLength else { return .tampered }
        let slot = (Int(value[value.endIndex - 1]) &* 131 &+ Int(value[value.endIndex - 2])) & (Self.slotCount - 1)
        if !slots.isEmpty, matches(slot, value), let hit = slots[slot] {
            if hit.expires > unixTime { return .valid(serverIDLength: hit.serverIDLength, expires: hit.expires) }
            slots[slot] = nil
            return .expired
        }
        let verdict = signer.verify(value, unixTime: unixTime)
        if case .valid(let length, let expires) = verdict {
            if slots.isEmpty { slots = Array(repeating: nil, count: Self.slotCount) }
            slots[slot] = Entry(value: Array(value), serverIDLength: length, expires: expires)
        }
        return verdict
    }

    /// Whether `slot` holds exactly `value` (eight bytes a step, see `BytesEqual`).
    private func matches(_ slot: Int, _ value: ArraySlice<UInt8>) -> Bool {
        guard let stored = slots[slot]?.value else { return false }
        return BytesEqual.same(stored, value)
    }
}
