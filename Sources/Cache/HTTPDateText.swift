import HTTP1

extension HTTPDate {
    /// The IMF-fixdate as a String, for the `expires` header values (`Thu, 01 Jan 1970 00:00:01 GMT`).
    static func text(_ unixTime: Int64) -> String { String(decoding: imfFixdate(unixTime), as: UTF8.self) }
}

/// Division rounding towards minus infinity (local midnight before 1970 for `expires @time`).
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
