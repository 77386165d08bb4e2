/// Record types this resolver asks for or follows.
public enum DNSType {
    public static let a: UInt16 = 1
    public static let cname: UInt16 = 5
    public static let aaaa: UInt16 = 28
}

/// Why a datagram is not a usable DNS response.
public enum DNSDecodeError: Error, Equatable {
    /// The message ends inside a field.
    case truncated
    /// A name with a pointer loop, a forward pointer, a bad label type, or too long.
    case badName
    /// Not a response, or not exactly one question.
    case malformed
}

/// A standard query (RFC 1035 §4.1): one question, recursion desired.
public struct DNSQuery: Equatable, Sendable {
    public let id: UInt16
    public let name: [UInt8]
    public let type: UInt16

    public init(id: UInt16, name: [UInt8], type: UInt16) {
        self.id = id
        self.name = DNSName.canonical(name)
        self.type = type
    }

    /// The datagram; nil for a name that cannot be asked (an empty or too long label).
    public func encode() -> [UInt8]? {
        guard let wire = DNSName.encode(name) else { return nil }
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        out.append(contentsOf: wire)
        out.append(contentsOf: [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1])   // class IN
        return out
    }
}

/// One resource record of the answer section.
public struct DNSRecord: Equatable, Sendable {
    public enum Data: Equatable, Sendable {
        /// 4 bytes (A) or 16 bytes (AAAA).
        case address([UInt8])
        case cname([UInt8])
        case other
    }
    public let name: [UInt8]
    public let type: UInt16
    public let ttl: UInt32
    public let data: Data
}

/// A response: its header, its one question and its answer records (authority and additional sections are
/// not read: nothing here needs them).
public struct DNSResponse: Equatable, Sendable {
    public let id: UInt16
    /// TC: the answer did not fit a datagram; it must be asked again over TCP.
    public let truncated: Bool
    public let rcode: UInt8
    public let questionName: [UInt8]
    public let questionType: UInt16
    public let answers: [DNSRecord]

    public static func decode(_ m: [UInt8]) throws(DNSDecodeError) -> DNSResponse {
        guard m.count >= 12 else { throw .truncated }
        let id = UInt16(m[0]) << 8 | UInt16(m[1])
        guard m[2] & 0x80 != 0 else { throw .malformed }   // QR: a query is not an answer
        let truncated = m[2] & 0x02 != 0
        let rcode = m[3] & 0x0F
        let qdcount = u16(m, 4), ancount = u16(m, 6)
        guard qdcount == 1 else { throw .malformed }
        let (qname, qend) = try DNSName.read(m, at: 12)
        guard qend + 4 <= m.count else { throw .truncated }
        let qtype = u16(m, qend)
        var position = qend + 4
        var answers: [DNSRecord] = []
        // A truncated message may hold fewer records than it counts: what is there is kept, the rest is TC's.
        for _ in 0..<ancount {
            if truncated && position >= m.count { break }
            let (name, end) = try DNSName.read(m, at: position)
            guard end + 10 <= m.count else { throw .truncated }
            let type = u16(m, end), klass = u16(m, end + 2)
            let ttl = UInt32(u16(m, end + 4)) << 16 | UInt32(u16(m, end + 6))
            let length = Int(u16(m, end + 8))
            let start = end + 10
            guard start + length <= m.count else { throw .truncated }
            var data = DNSRecord.Data.other
            if klass == 1 {
                switch type {
                case DNSType.a where length == 4, DNSType.aaaa where length == 16:
                    data = .address(Array(m[start..<(start + length)]))
                case DNSType.cname:
                    let (target, targetEnd) = try DNSName.read(m, at: start)
                    guard targetEnd <= start + length else { throw .badName }
                    data = .cname(target)
                default: break
                }
            }
            // A TTL with the top bit set counts as 0 (RFC 2181 §8).
            answers.append(DNSRecord(name: name, type: type, ttl: ttl & 0x8000_0000 != 0 ? 0 : ttl, data: data))
            position = start + length
        }
        return DNSResponse(id: id, truncated: truncated, rcode: rcode, questionName: qname, questionType: qtype,
                           answers: answers)
    }

    private static func u16(_ m: [UInt8], _ i: Int) -> UInt16 { UInt16(m[i]) << 8 | UInt16(m[i + 1]) }

    /// Whether this answers `query`: the same ID, name and type (a reply that does not match is dropped, as a
    /// spoofed or late one would be).
    public func answers(_ query: DNSQuery) -> Bool {
        id == query.id && questionType == query.type && questionName == query.name
    }

    /// The addresses of the question's type, reached from the question's name through the CNAME chain the
    /// answer holds (nginx follows it in the same answer); `ttl` is the smallest TTL on the way. `canonical` is
    /// where the chain ended when no address was found (the name to ask next), else nil.
    public func addresses() -> (addresses: [[UInt8]], ttl: UInt32, canonical: [UInt8]?) {
        var name = questionName
        var ttl = UInt32.max
        var hops = 0
        while true {
            var found: [[UInt8]] = []
            var next: [UInt8]? = nil
            for r in answers where r.name == name {
                switch r.data {
                case .address(let bytes) where r.type == questionType:
                    found.append(bytes)
                    ttl = min(ttl, r.ttl)
                case .cname(let target):
                    if next == nil { next = target; ttl = min(ttl, r.ttl) }
                default: break
                }
            }
            if !found.isEmpty { return (found, ttl, nil) }
            guard let target = next, hops < 16 else {
                return ([], ttl == .max ? 0 : ttl, name == questionName ? nil : name)
            }
            name = target
            hops += 1
        }
    }
}

/// nginx's texts for a name that could not be resolved (ngx_resolver_strerror): the response code, or 110 for
/// a timeout.
public enum DNSFailure {
    public static let timedOut = 110

    public static func text(_ code: Int) -> String {
        switch code {
        case 1: return "Format error"
        case 2: return "Server failure"
        case 3: return "Host not found"
        case 4: return "Unimplemented"
        case 5: return "Operation refused"
        case 110: return "Operation timed out"
        default: return "Unknown error"
        }
    }
}
