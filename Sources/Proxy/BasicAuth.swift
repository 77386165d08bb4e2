import ASCIIBytes
import Digest

/// `Authorization: Basic` credentials, as nginx decodes them (`ngx_http_auth_basic_user`): the scheme word in any
/// case, base64, then the user before the first `:` and the password after it. `$remote_user` and `auth_basic`
/// both read them from here.
enum BasicAuth {
    struct Credentials {
        let user: [UInt8]
        let password: [UInt8]
    }

    /// The credentials of one `Authorization` value; nil when it is not `Basic`, not base64, or has no `:`.
    static func credentials(of value: ArraySlice<UInt8>) -> Credentials? {
        var i = value.startIndex
        while i < value.endIndex && value[i] == 32 { i += 1 }
        guard value.endIndex - i > 6, ASCII.equalsIgnoringCase(value[i..<(i + 5)], "basic".utf8), value[i + 5] == 32
        else { return nil }
        i += 6
        while i < value.endIndex && value[i] == 32 { i += 1 }
        var end = value.endIndex
        while end > i && value[end - 1] == 32 { end -= 1 }
        guard let decoded = Base64.decode(value[i..<end]), let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        return Credentials(user: Array(decoded[..<colon]), password: Array(decoded[(colon + 1)...]))
    }

    /// `$remote_user`: the user name, with or without auth_basic; nothing when there are no credentials.
    static func appendUser(of value: ArraySlice<UInt8>, to out: inout [UInt8]) {
        if let c = credentials(of: value) { out += c.user }
    }
}
