import Glibc

/// `$date_local` and `$date_gmt`: now, formatted with the SSI `config timefmt` of the request's filter, else
/// nginx's default (`%A, %d-%b-%Y %H:%M:%S %Z`); `%s` alone is the seconds since the epoch, as in nginx.
enum SSIDate {
    static let defaultFormat: [UInt8] = Array("%A, %d-%b-%Y %H:%M:%S %Z".utf8)

    static func now(gmt: Bool, format: [UInt8]?) -> [UInt8] {
        var t = time(nil)
        let fmt = format ?? defaultFormat
        if fmt == Array("%s".utf8) { return Array(String(t).utf8) }
        var tmv = tm()
        if gmt { gmtime_r(&t, &tmv) } else { localtime_r(&t, &tmv) }
        var buf = [CChar](repeating: 0, count: 256)
        let cfmt = fmt.map { CChar(bitPattern: $0) } + [0]
        let n = strftime(&buf, buf.count, cfmt, &tmv)
        return buf[..<n].map { UInt8(bitPattern: $0) }
    }
}
