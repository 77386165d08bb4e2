import Balancing
import Config
import EventLoop
import HTTP1

/// `api [write=on]`: nginx Plus's REST API for upstream servers, in a location. GET (and HEAD) read every
/// upstream and server with its live state; with `write=on`, PATCH edits a server, POST adds one and DELETE
/// removes one (add and delete need the upstream's `zone`, as in nginx Plus). An edit publishes a new version
/// of the upstream's servers that every worker picks from at its next request (UpstreamServers.swift) and
/// writes the upstream's `state` file. Errors are nginx Plus's JSON error objects; a refused edit changes
/// nothing. The location's `allow`/`deny`/`auth_basic` run before this, as for any handler.
enum APIHandler {
    /// Bodies are a few fields: anything larger is refused unread.
    static let maxBody = 64 * 1024

    static func serve(on c: ClientConnection, write: Bool) {
        guard let head = c.request.head else { return }
        switch head.bodyFraming {
        case .none, .length(0):
            answer(on: c, write: write, body: [])
        case .length(let n) where n <= Int64(maxBody):
            c.claimBody()
            let reader = APIBodyReader(length: Int(n), write: write)
            if !reader.take(from: c) {
                // curl asks before a body over 1 KiB: permission as the body is about to be read, as nginx gives it.
                c.sendContinue()
                c.apiBody = reader
                c.wantBody(timeoutMillis: c.request.location.clientBodyTimeoutMillis)
            }
        case .length:
            c.keepAliveAfterResponse = false   // the body is not read: the connection ends with the answer
            respond(APIError(413, "RequestEntityTooLarge", "the request body is larger than \(maxBody) bytes"), on: c)
        case .chunked, .untilClose:
            c.keepAliveAfterResponse = false
            respond(APIError(411, "LengthRequired", "a request body needs a Content-Length"), on: c)
        }
    }

    /// The whole body is here (or there is none): decide and answer.
    static func answer(on c: ClientConnection, write: Bool, body: [UInt8]) {
        let r = c.request
        let method = r.head.method
        let prefix: [UInt8]
        switch r.location.match {
        case .regex: prefix = []
        default: prefix = r.location.prefix
        }
        do throws(APIError) {
            let target = try APITarget.parse(APITarget.segments(of: r.uri, prefix: prefix))
            switch method {
            case .get, .head:
                send(200, try read(target, c.runtime, now: c.worker.now()), on: c)
            case .patch, .post, .delete:
                guard write else { throw APIError(405, "MethodDisabled", "method disabled") }
                let (status, json) = try change(target, method: method, body: body, on: c)
                send(status, json, on: c)
            default:
                throw APIError(405, "MethodNotSupported", "method not supported")
            }
        } catch {
            respond(error, on: c)
        }
    }

    static func read(_ target: APITarget, _ rt: Runtime, now: Instant) throws(APIError) -> JSON {
        switch target {
        case .versionList: return .array(APITarget.versions.map { .int($0) })
        case .root: return .array([.string("http")])
        case .http: return .array([.string("upstreams")])
        case .upstreams: return APIPage.upstreams(rt.upstreams, now: now)
        case .upstream(let name): return APIPage.upstream(try upstream(name, rt), now: now)
        case .servers(let name): return .array(try upstream(name, rt).servers.latest.current.list.servers.map(ServerFields.json))
        case .server(let name, let id):
            guard let s = try upstream(name, rt).servers.latest.current.list.servers.first(where: { $0.id == id }) else {
                throw ServerEdits.notFound()
            }
            return ServerFields.json(s)
        }
    }

    /// PATCH …/servers/ID, POST …/servers, DELETE …/servers/ID.
    static func change(_ target: APITarget, method: HTTPMethod, body: [UInt8], on c: ClientConnection)
        throws(APIError) -> (Int, JSON)
    {
        let name: String
        switch (target, method) {
        case (.server(let n, _), .patch), (.server(let n, _), .delete), (.servers(let n), .post): name = n
        default: throw APIError(405, "MethodNotSupported", "method not supported")
        }
        let up = try upstream(name, c.runtime)
        if method != .patch && !up.zone {
            throw APIError(400, "UpstreamStatic", "upstream \"\(name)\" has no zone: servers can be edited, not added or deleted")
        }
        var json = JSON.null
        if method != .delete {
            guard !body.isEmpty else { throw APIError.format("a JSON request body is expected") }
            do { json = try JSON.parse(body) } catch { throw APIError.format("invalid JSON: \(error)") }
        }
        let worker = c.worker, id = c.id
        let report: (String) -> Void = { failure in
            worker.log(.error, "\(failure) while saving the state of upstream \"\(name)\"", id)
        }
        let now = worker.now()
        switch (target, method) {
        case (.server(_, let sid), .patch):
            return (200, try up.servers.edit(now: now, report: report) { (list: inout ServerList) throws(APIError) in
                try ServerEdits.patch(id: sid, body: json, list: &list)
            })
        case (.server(_, let sid), _):
            return (200, try up.servers.edit(now: now, report: report) { (list: inout ServerList) throws(APIError) in
                try ServerEdits.delete(id: sid, list: &list)
            })
        default:
            return (201, try up.servers.edit(now: now, report: report) { (list: inout ServerList) throws(APIError) in
                try ServerEdits.add(body: json, list: &list)
            })
        }
    }

    static func upstream(_ name: String, _ rt: Runtime) throws(APIError) -> UpstreamRuntime {
        guard let up = rt.upstreams.first(where: { $0.name == name }) else {
            throw APIError(404, "UpstreamNotFound", "upstream not found")
        }
        return up
    }

    static func respond(_ error: APIError, on c: ClientConnection) { send(error.status, error.json, on: c) }

    static func send(_ status: Int, _ json: JSON, on c: ClientConnection) {
        var body = json.serialized()
        body.append(0x0A)
        Responses.send(status: status, contentType: Array("application/json".utf8), body: body, on: c)
    }
}

/// A PATCH or POST body still arriving: the connection hands it each read until `length` bytes are in.
final class APIBodyReader {
    let length: Int
    let write: Bool

    init(length: Int, write: Bool) {
        self.length = length
        self.write = write
    }

    /// Answers once the whole body is in the connection's input; false while more is due.
    func take(from c: ClientConnection) -> Bool {
        guard c.input.readableCount >= length else { return false }
        let body = Array(c.input.view(prefix: length))
        c.input.consume(length)
        c.countBodyBytes(Int64(length))
        c.apiBody = nil
        if c.phase == .readingBody { c.bodyComplete() }
        APIHandler.answer(on: c, write: write, body: body)
        return true
    }
}
