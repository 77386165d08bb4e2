/// A Tomcat session id: a random base and, with a jvmRoute, `.route` appended (`8F3A….tomcat1`). The base is
/// the session's identity and its memcached key; the route only tells the proxy which node serves it.
///
///     SessionID(parsing: Array("8F3A.tomcat2".utf8))?.restamped(route: "tomcat1").text   // "8F3A.tomcat1"
struct SessionID: Equatable {
    let base: String
    let route: String?

    init(base: String, route: String?) {
        self.base = base
        self.route = route
    }

    /// 32 upper-case hex digits from 16 random bytes, as Tomcat's StandardSessionIdGenerator prints them.
    static func generate(route: String?) -> SessionID {
        var rng = SystemRandomNumberGenerator()
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for _ in 0..<16 {
            let b = UInt8.random(in: 0...255, using: &rng)
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return SessionID(base: String(decoding: out, as: UTF8.self), route: route)
    }

    /// Splits at the first `.`. nil for what cannot be a session id of ours (empty, too long, or bytes that are
    /// not allowed in a memcached key or a cookie): such a request simply gets a new session, as in Tomcat.
    init?(parsing bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty, bytes.count <= 200, bytes.allSatisfy(Self.isIDByte) else { return nil }
        if let dot = bytes.firstIndex(of: 46) {
            let base = bytes[..<dot]
            let route = bytes[bytes.index(after: dot)...]
            guard !base.isEmpty else { return nil }
            self.init(base: String(decoding: base, as: UTF8.self),
                      route: route.isEmpty ? nil : String(decoding: route, as: UTF8.self))
        } else {
            self.init(base: String(decoding: bytes, as: UTF8.self), route: nil)
        }
    }

    var text: String { route.map { "\(base).\($0)" } ?? base }

    /// MSM's take-over: same base, this node's route.
    func restamped(route: String?) -> SessionID { SessionID(base: base, route: route) }

    private static func isIDByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122) || b == 45 || b == 95 || b == 46
    }
}
