import ASCIIBytes

/// How old a stored response is (RFC 9111 §4.2.3). Times are Unix seconds, passed in.
///
///     // received at 1000 for a request sent at 998, `Date` 990, `Age: 5`:
///     let initial = CacheAge.initial(date: 990, age: 5, requestTime: 998, responseTime: 1000)   // max(10, 5 + 2) = 10
///     CacheAge.current(initialAge: initial, storedAt: 1000, now: 1030)                         // 40: the Age sent
///
/// The entry keeps `storedAt` (response_time) and the corrected initial age; its freshness is decided once, when
/// it is stored: fresh while `now < storedAt - initialAge + lifetime`, i.e. while current_age < lifetime.
public enum CacheAge {
    /// RFC 9111 §1.2.2: a delta-seconds value (or a calculation) too large to represent counts as 2^31.
    public static let maxDelta: Int64 = 1 << 31

    /// corrected_initial_age = max(apparent_age, corrected_age_value), where apparent_age =
    /// max(0, response_time - date_value) and corrected_age_value = age_value + (response_time - request_time).
    /// `date`: the upstream's `Date` (nil when absent or invalid: the receive time, RFC 9110 §6.6.1), so a `Date`
    /// in the future adds nothing; `age`: the upstream's `Age` (nil: 0).
    public static func initial(date: Int64?, age: Int64?, requestTime: Int64, responseTime: Int64) -> Int64 {
        let apparent = max(0, responseTime - (date ?? responseTime))
        let delay = max(0, responseTime - requestTime)
        let corrected = min(maxDelta, age ?? 0) + delay
        return min(maxDelta, max(apparent, corrected))
    }

    /// current_age = corrected_initial_age + resident_time: the `Age` a response served from the cache carries.
    public static func current(initialAge: Int64, storedAt: Int64, now: Int64) -> Int64 {
        min(maxDelta, max(0, initialAge) + max(0, now - storedAt))
    }

    /// An `Age` field value (delta-seconds, RFC 9111 §5.1): digits only, else nil (the field is ignored);
    /// more than 2^31 counts as 2^31.
    public static func parse<C: Collection<UInt8>>(_ value: C) -> Int64? {
        var n: Int64 = 0
        var digits = 0
        var trailing = false
        for b in value {
            if ASCII.isOWS(b) {
                if digits > 0 { trailing = true }
                continue
            }
            guard !trailing, ASCII.isDigit(b) else { return nil }
            digits += 1
            n = min(maxDelta, n * 10 + Int64(b &- 48))
        }
        return digits > 0 ? n : nil
    }
}
