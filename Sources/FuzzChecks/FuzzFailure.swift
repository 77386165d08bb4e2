/// A property a fuzz check found broken: the message says which and with what values. The fuzz executables
/// trap on it (so libFuzzer keeps the input); the corpus replay test reports it as a test failure.
public struct FuzzFailure: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Throws `FuzzFailure(message())` unless `condition` holds.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(message()) }
}

/// Bytes shown in a failure message: printable ASCII as is, the rest escaped, cut at 200 bytes.
func show<C: Collection<UInt8>>(_ bytes: C) -> String {
    var s = "\""
    for b in bytes.prefix(200) {
        switch b {
        case 0x0d: s += "\\r"
        case 0x0a: s += "\\n"
        case 0x22: s += "\\\""
        case 0x20...0x7e: s.unicodeScalars.append(Unicode.Scalar(b))
        default:
            let hex: [Character] = Array("0123456789abcdef")
            s += "\\x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
        }
    }
    return s + (bytes.count > 200 ? "\"…" : "\"")
}
