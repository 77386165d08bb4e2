import Balancing
import Config
import EventLoop

/// A runtime API refusal: the HTTP status and nginx Plus's error code and text, sent as its JSON error object.
struct APIError: Error, Equatable {
    let status: Int
    let code: String
    let text: String

    init(_ status: Int, _ code: String, _ text: String) {
        self.status = status
        self.code = code
        self.text = text
    }

    /// `{"error":{"status":400,"text":"…","code":"…"},"href":"…"}` as nginx Plus answers.
    var json: JSON {
        .object([("error", .object([("status", .int(status)), ("text", .string(text)), ("code", .string(code))])),
                 ("href", .string("https://nginx.org/en/docs/http/ngx_http_api_module.html"))])
    }

    static func format(_ text: String) -> APIError { APIError(400, "UpstreamConfFormatError", text) }
}

/// What a runtime API path names, nginx Plus's shape: `/api/<version>/http/upstreams/NAME/servers/ID`.
enum APITarget: Equatable {
    /// The location itself: the versions this API speaks.
    case versionList
    /// `/api/<v>/`: the sections below it.
    case root
    /// `/api/<v>/http`.
    case http
    case upstreams
    case upstream(String)
    case servers(String)
    case server(String, id: Int)

    /// nginx Plus's versions: scripts written for any of them find the same upstream endpoints.
    static let versions = 1...9

    /// `segments`: the path's parts after the location's prefix, empty ones dropped.
    static func parse(_ segments: [String]) throws(APIError) -> APITarget {
        guard let first = segments.first else { return .versionList }
        guard let version = Int(first), versions.contains(version) else {
            throw APIError(404, "UnknownVersion", "unknown version")
        }
        let rest = Array(segments.dropFirst())
        switch rest.count {
        case 0: return .root
        case 1 where rest[0] == "http": return .http
        case 2 where rest == ["http", "upstreams"]: return .upstreams
        case 3 where rest[0] == "http" && rest[1] == "upstreams": return .upstream(rest[2])
        case 4 where rest[0] == "http" && rest[1] == "upstreams" && rest[3] == "servers": return .servers(rest[2])
        case 5 where rest[0] == "http" && rest[1] == "upstreams" && rest[3] == "servers":
            guard let id = Int(rest[4]), id >= 0 else { throw APIError(400, "UpstreamBadServerId", "invalid server id") }
            return .server(rest[2], id: id)
        default: throw APIError(404, "PathNotFound", "path not found")
        }
    }

    /// The segments of `uri` after `prefix` (the location's prefix; empty for a regex location, where the
    /// version is the first number in the path), percent-decoded.
    static func segments(of uri: [UInt8], prefix: [UInt8]) -> [String] {
        var parts = uri.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
        let lead = prefix.split(separator: UInt8(ascii: "/")).count
        if !prefix.isEmpty, uri.starts(with: prefix) {
            parts.removeFirst(min(lead, parts.count))
        } else if let v = parts.firstIndex(where: { Int($0) != nil }) {
            parts.removeFirst(v)
        }
        return parts
    }
}

/// The server fields of nginx Plus's API: reading a PATCH or POST body into a server, and a server's JSON.
enum ServerFields {
    static let maxWeight = 1_000_000
    static let maxCount = 1_000_000_000
    /// A year: nginx's time values are 31-bit milliseconds at most; a longer fail_timeout is a typo.
    static let maxFailTimeoutSeconds = 365 * 24 * 3600

    /// Applies `body` (a JSON object) to `config`; `adding`: a POST, where `server` is the new address.
    /// Unknown fields, wrong types and out-of-range values throw, and leave `config` as it was.
    static func apply(_ body: JSON, to config: inout PeerConfig, address: inout SocketAddress?, id: Int?,
                      adding: Bool) throws(APIError) {
        guard let members = body.members else { throw APIError.format("the request body must be a JSON object") }
        var next = config
        for (name, value) in members {
            switch name {
            case "weight": next.weight = try integer(value, name, 1...maxWeight)
            case "max_conns": next.maxConns = try integer(value, name, 0...maxCount)
            case "max_fails": next.maxFails = try integer(value, name, 0...maxCount)
            case "fail_timeout": next.failTimeout = .seconds(try seconds(value, name))
            case "down": next.isDown = try flag(value, name)
            case "backup": next.isBackup = try flag(value, name)
            case "drain":
                next.isDraining = try flag(value, name)
            case "route":
                guard let s = value.string, !s.isEmpty, s.utf8.count <= 32,
                      s.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") })
                else { throw APIError.format("invalid \"route\" value") }
                next.route = Array(s.utf8)
            case "id":
                guard let given = value.int, given == id else { throw APIError.format("invalid \"id\" value") }
            case "server":
                guard let text = value.string, let parsed = parseAddress(text) else {
                    throw APIError.format("invalid \"server\" value: an IP address with an optional port is expected")
                }
                if adding {
                    address = parsed
                    next.address = parsed.description
                } else if parsed.description != config.address {
                    throw APIError.format("the \"server\" address of a server cannot be changed: delete it and add one")
                }
            default:
                throw APIError.format("unknown parameter \"\(name)\"")
            }
        }
        // nginx Plus: `down: false` brings a draining server back too.
        if case .bool(false)? = body["down"], body["drain"] == nil { next.isDraining = false }
        if adding && address == nil { throw APIError.format("missing \"server\" argument") }
        config = next
    }

    /// `ip`, `ip:port`, `[v6]:port`; port 80 when left out. Host names are refused: resolving one would block
    /// the worker that serves the API.
    static func parseAddress(_ text: String) -> SocketAddress? {
        guard !text.isEmpty, !text.hasPrefix("*"), text.utf8.count <= 64 else { return nil }
        let colons = text.filter { $0 == ":" }.count
        let full: String
        if text.hasPrefix("[") {
            full = text.contains("]:") ? text : text + ":80"
        } else if colons > 1 {
            full = "[\(text)]:80"   // a bare IPv6 address
        } else {
            full = colons == 0 ? text + ":80" : text
        }
        guard let a = SocketAddress.parse(full), a.port != 0, !a.bytes.allSatisfy({ $0 == 0 }) else { return nil }
        return a
    }

    private static func integer(_ value: JSON, _ name: String, _ range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let n = value.int, range.contains(n) else { throw APIError.format("invalid \"\(name)\" value") }
        return n
    }

    private static func flag(_ value: JSON, _ name: String) throws(APIError) -> Bool {
        guard let b = value.bool else { throw APIError.format("invalid \"\(name)\" value") }
        return b
    }

    /// nginx's time syntax (`"10s"`, `"1m"`) or a number of seconds.
    private static func seconds(_ value: JSON, _ name: String) throws(APIError) -> Int {
        let n: Int?
        switch value {
        case .int(let i): n = i
        case .string(let s): n = Units.seconds(s)
        default: n = nil
        }
        guard let n, n >= 0, n <= maxFailTimeoutSeconds else { throw APIError.format("invalid \"\(name)\" value") }
        return n
    }

    /// One server as `GET …/servers` shows it (nginx Plus's field names).
    static func json(_ s: LiveServer) -> JSON {
        let c = s.config
        var members: [(String, JSON)] = [
            ("id", .int(s.id)), ("server", .string(c.address)), ("weight", .int(c.weight)),
            ("max_conns", .int(c.maxConns)), ("max_fails", .int(c.maxFails)),
            ("fail_timeout", .string("\(c.failTimeout.components.seconds)s")), ("slow_start", .string("\(c.slowStart.components.seconds)s")),
        ]
        if let route = c.route { members.append(("route", .string(String(decoding: route, as: UTF8.self)))) }
        members += [("backup", .bool(c.isBackup)), ("down", .bool(c.isDown))]
        if c.isDraining { members.append(("drain", .bool(true))) }
        return .object(members)
    }
}

/// The runtime API's edits of a server list (PATCH, POST, DELETE), as pure functions of the list: each one
/// either changes the list and answers, or throws and leaves it alone.
enum ServerEdits {
    static func patch(id: Int, body: JSON, list: inout ServerList) throws(APIError) -> JSON {
        guard let i = list.servers.firstIndex(where: { $0.id == id }) else { throw notFound() }
        var server = list.servers[i]
        var address: SocketAddress?
        try ServerFields.apply(body, to: &server.config, address: &address, id: id, adding: false)
        list.servers[i] = server
        return ServerFields.json(server)
    }

    static func add(body: JSON, list: inout ServerList) throws(APIError) -> JSON {
        var config = PeerConfig("")
        var address: SocketAddress?
        if body["id"] != nil { throw APIError.format("\"id\" is assigned by the server") }
        try ServerFields.apply(body, to: &config, address: &address, id: nil, adding: true)
        guard let address else { throw APIError.format("missing \"server\" argument") }
        let server = LiveServer(id: list.nextID, config: config, address: address, origin: nil)
        list.servers.append(server)
        list.nextID += 1
        return ServerFields.json(server)
    }

    /// Answers the servers left, as nginx Plus does.
    static func delete(id: Int, list: inout ServerList) throws(APIError) -> JSON {
        guard let i = list.servers.firstIndex(where: { $0.id == id }) else { throw notFound() }
        guard list.servers.count > 1 else {
            throw APIError(400, "UpstreamServerLast", "the last server of an upstream cannot be deleted")
        }
        let gone = list.servers.remove(at: i)
        if let origin = gone.origin { list.deleted.append(origin) }
        return .array(list.servers.map(ServerFields.json))
    }

    static func notFound() -> APIError { APIError(404, "UpstreamServerNotFound", "server not found") }
}
