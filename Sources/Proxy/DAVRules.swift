import ASCIIBytes
import Config
import Glibc

/// ngx_http_dav_module's decisions that need no file system: the `Depth`, `Overwrite` and `Destination` headers,
/// `min_delete_depth`, the checks of a COPY or MOVE's two paths, and which status an errno answers. Pure
/// functions over bytes, tested without sockets (DAVRulesTests).
enum DAVRules {
    enum Depth: Equatable { case zero, one, infinity, invalid }

    /// nginx's ngx_http_dav_depth: `0`, `1` or `infinity` exactly; `fallback` when the header is absent.
    static func depth(_ value: ArraySlice<UInt8>?, fallback: Depth) -> Depth {
        guard let v = value else { return fallback }
        if v.count == 1 {
            if v.first == UInt8(ascii: "0") { return .zero }
            if v.first == UInt8(ascii: "1") { return .one }
        } else if v.elementsEqual("infinity".utf8) {
            return .infinity
        }
        return .invalid
    }

    /// `Overwrite: T` or `F` (any case); absent means T; nil for anything else (a 400).
    static func overwrite(_ value: ArraySlice<UInt8>?) -> Bool? {
        guard let v = value else { return true }
        guard v.count == 1, let c = v.first else { return nil }
        switch c {
        case UInt8(ascii: "T"), UInt8(ascii: "t"): return true
        case UInt8(ascii: "F"), UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    enum DestinationError: Error, Equatable {
        /// No `Destination` header.
        case missing
        /// An absolute URI while the request had no `Host`.
        case noHost
        /// Another host than the request's: "handled by different repository".
        case otherRepository
        /// Not a path, not this scheme, no path after the host, or a path that is unsafe (`..`, a NUL).
        case invalid
        case unsafe
    }

    /// A `Destination` read: the path it names, decoded and without arguments, and whether the header's value
    /// ended with a slash (a collection), which is what nginx compares with the request's URI.
    struct Destination: Equatable {
        let uri: [UInt8]
        let collection: Bool
    }

    /// `Destination: /path` or `http[s]://host/path`: the scheme must be the connection's and the host the
    /// request's `Host` (`host`: lowercased, without port, as nginx's `headers_in.server`), anything up to the
    /// first slash after it (a port) is skipped, as nginx does. The path is refused when it climbs out with a `..`
    /// segment or holds a NUL, decoded or not.
    static func destination(_ value: ArraySlice<UInt8>?, host: [UInt8], tls: Bool) -> Result<Destination, DestinationError> {
        guard let value else { return .failure(.missing) }
        let v = Array(value)
        var start = 0
        if v.first != UInt8(ascii: "/") {
            guard !host.isEmpty else { return .failure(.noHost) }
            let scheme = tls ? "https://" : "http://"
            guard v.starts(with: scheme.utf8) else { return .failure(.invalid) }
            let h = scheme.utf8.count
            guard v.count >= h + host.count, v[h..<(h + host.count)].elementsEqual(host) else {
                return .failure(.otherRepository)
            }
            guard let slash = v[(h + host.count)...].firstIndex(of: UInt8(ascii: "/")) else { return .failure(.invalid) }
            start = slash
        }
        var path = v[start...]
        if let q = path.firstIndex(of: UInt8(ascii: "?")) { path = path[..<q] }
        if path.isEmpty { return .failure(.unsafe) }
        guard let decoded = URIPathSafety.decodedSafe(Array(path)) else { return .failure(.unsafe) }
        return .success(Destination(uri: decoded, collection: v.last == UInt8(ascii: "/")))
    }

    /// `min_delete_depth`: nil when the URI has `minimum` slashes with something after the last of them; else
    /// the depth counted, for nginx's log line.
    static func shallowDelete(_ uri: [UInt8], minimum: Int) -> Int? {
        if minimum == 0 { return nil }
        var d = 0
        for i in uri.indices where uri[i] == UInt8(ascii: "/") {
            d += 1
            if d >= minimum && i + 1 < uri.count { return nil }
        }
        return d
    }

    /// nginx's ngx_http_dav_merge_slashes: runs of `/` in a path become one.
    static func mergeSlashes(_ path: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(path.count)
        for b in path where !(b == UInt8(ascii: "/") && out.last == UInt8(ascii: "/")) { out.append(b) }
        return out
    }

    enum PathConflict: Equatable {
        /// Source and destination are one file.
        case same
        /// A collection copied or moved into itself, or over one of its parents.
        case nested
    }

    /// nginx's ngx_http_dav_validate_paths: `source` is the source's path (a collection's with its slash),
    /// `destination` the destination's without one; `collection` whether the destination named a collection.
    static func conflict(source: [UInt8], destination: [UInt8], collection: Bool) -> PathConflict? {
        var len = source.count
        if len > 0 && source[len - 1] == UInt8(ascii: "/") { len -= 1 }
        if len == destination.count && source[..<len].elementsEqual(destination) { return .same }
        let shorter = min(len, destination.count)
        if collection && source[..<shorter].elementsEqual(destination[..<shorter])
            && (len < destination.count ? destination[len] == UInt8(ascii: "/") : source[destination.count] == UInt8(ascii: "/")) {
            return .nested
        }
        return nil
    }

    /// ngx_http_dav_error: the status a failed call answers and how loudly it is logged. `notFound` is the status
    /// for a missing path (404, or 409 where a missing parent is the client's conflict).
    static func failure(_ code: Int32, notFound: Int) -> (status: Int, level: LogLevel) {
        switch code {
        case ENOENT, ENOTDIR, ENAMETOOLONG: (notFound, .error)
        case EACCES, EPERM: (403, .error)
        case EEXIST: (405, .error)
        case ENOSPC: (507, .crit)
        default: (500, .crit)
        }
    }

    /// nginx's ngx_dir_access: a search bit wherever there is a read bit.
    static func directoryAccess(_ access: UInt32) -> UInt32 { access | (access & 0o444) >> 2 }

    /// The URI for a `Location` field, escaped as nginx's NGX_ESCAPE_URI does: controls, space, `"#%<>?\^\`{|}`,
    /// DEL and every byte above it.
    static func escapedURI(_ uri: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(uri.count)
        for b in uri {
            if escapes(b) {
                out.append(UInt8(ascii: "%")); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0xf)])
            } else {
                out.append(b)
            }
        }
        return out
    }

    private static func escapes(_ b: UInt8) -> Bool {
        if b <= 0x20 || b >= 0x7f { return true }
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "?"), UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"),
             UInt8(ascii: "|"), UInt8(ascii: "}"):
            return true
        default:
            return false
        }
    }
}
