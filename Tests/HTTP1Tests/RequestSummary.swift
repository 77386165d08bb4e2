import HTTP1

/// Everything a user of RequestHead sees, as Strings, so table rows read like the wire.
struct RequestSummary: Equatable, Sendable, CustomStringConvertible {
    var method = "GET"
    var methodCase = HTTPMethod.get
    var target = "/"
    var form = RequestTargetForm.origin
    var path = "/"
    var query: String? = nil
    var version = "1.1"
    var headers = ["Host: a"]
    var contentLength: Int64? = nil
    var framing = BodyFraming.none
    var keepAlive = true
    var expectsContinue = false
    var host: String? = "a"
    /// nil: the whole input.
    var consumed: Int? = nil

    init() {}

    init(_ head: RequestHead, consumed: Int) {
        method = text(head.bytes(head.methodRange))
        methodCase = head.method
        target = text(head.bytes(head.target))
        form = head.targetForm
        path = text(head.bytes(head.path))
        query = head.query.map { text(head.bytes($0)) }
        version = "\(head.version.major).\(head.version.minor)"
        headers = head.headers.map { text(head.bytes($0.name)) + ": " + text(head.bytes($0.value)) }
        contentLength = head.contentLength
        framing = head.bodyFraming
        keepAlive = head.keepAlive
        expectsContinue = head.expectsContinue
        host = head.hostRange.map { text(head.bytes($0)) }
        self.consumed = consumed
    }

    var description: String {
        "\(method) \(target) \(form) path=\(path) q=\(query ?? "nil") \(version) \(headers) cl=\(String(describing: contentLength)) \(framing) ka=\(keepAlive) 100=\(expectsContinue) host=\(host ?? "nil") consumed=\(consumed.map(String.init) ?? "all")"
    }
}

func text<C: Collection<UInt8>>(_ bytes: C) -> String {
    String(decoding: bytes, as: UTF8.self)
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// What a table row expects from parsing its input.
enum Outcome<Summary: Equatable & Sendable>: Equatable, Sendable, CustomStringConvertible {
    case head(Summary)
    case error(Int, String? = nil)
    case incomplete

    var description: String {
        switch self {
        case .head(let s): "head(\(s))"
        case .error(let status, let reason): "error(\(status), \(reason ?? "-"))"
        case .incomplete: "incomplete"
        }
    }
}
