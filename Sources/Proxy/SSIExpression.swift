/// The `expr` of SSI's `if` and `elif`, as nginx reads it: `$left` (true when not empty), `$left = text`,
/// `$left != text`, `$left = /regex/`, `$left != /regex/`. Sides are evaluated (variables) by the filter.
enum SSIExpression: Equatable {
    case nonEmpty([UInt8])
    case equals([UInt8], [UInt8], negated: Bool)
    case matches([UInt8], pattern: [UInt8], negated: Bool)

    /// nil: not an expression nginx accepts ("invalid expression").
    static func parse(_ expr: [UInt8]) -> SSIExpression? {
        var p = 0, last = expr.count
        while p < last && expr[p] == 0x20 { p += 1 }
        let leftStart = p
        while p < last && expr[p] != 0x20 && expr[p] != 0x3D && !(expr[p] == 0x21 && p + 1 < last && expr[p + 1] == 0x3D) {
            p += 1
        }
        let left = Array(expr[leftStart..<p])
        while p < last && expr[p] == 0x20 { p += 1 }
        if p == last { return .nonEmpty(left) }
        var negated = false
        if expr[p] == 0x3D { p += 1 }
        else if expr[p] == 0x21 && p + 1 < last && expr[p + 1] == 0x3D { negated = true; p += 2 }
        else { return nil }
        while p < last && expr[p] == 0x20 { p += 1 }
        while last > p && expr[last - 1] == 0x20 { last -= 1 }
        if p < last - 1 && expr[p] == 0x2F {
            guard expr[last - 1] == 0x2F else { return nil }
            return .matches(left, pattern: Array(expr[(p + 1)..<(last - 1)]), negated: negated)
        }
        return .equals(left, Array(expr[p..<last]), negated: negated)
    }
}
