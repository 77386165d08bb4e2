import ASCIIBytes
import Regex

/// What a location's `proxy_method`, `proxy_set_body` and `proxy_cookie_*` change in the request sent upstream
/// and in the response's `Set-Cookie` headers. A shared immutable object, empty for most locations: each use
/// loads one optional or flag and copies nothing.
final class ProxyRewrites: @unchecked Sendable {
    /// `proxy_method`: replaces the client's method upstream.
    let method: CompiledTemplate?
    /// `proxy_set_body`: replaces the client's body upstream (the client's is still read, then dropped).
    let body: CompiledTemplate?
    let cookieDomain: [CookieReplacement]
    let cookiePath: [CookieReplacement]
    let cookieFlags: [CookieFlags]
    /// `proxy_pass_trailers`.
    let passTrailers: Bool
    /// `proxy_pass_request_headers`: off sends only the `proxy_set_header` list (and the body's framing).
    let passRequestHeaders: Bool
    /// `proxy_pass_request_body`: off reads the client's body and sends none (nor its length).
    let passRequestBody: Bool
    /// `proxy_set_header Content-Length …`: the configured value replaces the body's length (as in nginx, where
    /// the length is one of the proxy_set_header defaults).
    let setsContentLength: Bool
    /// Whether any `Set-Cookie` needs rewriting.
    let rewritesCookies: Bool

    init(method: CompiledTemplate? = nil, body: CompiledTemplate? = nil, cookieDomain: [CookieReplacement] = [],
         cookiePath: [CookieReplacement] = [], cookieFlags: [CookieFlags] = [], passTrailers: Bool = false,
         passRequestHeaders: Bool = true, passRequestBody: Bool = true, setsContentLength: Bool = false) {
        self.method = method; self.body = body; self.cookieDomain = cookieDomain; self.cookiePath = cookiePath
        self.cookieFlags = cookieFlags; self.passTrailers = passTrailers
        self.passRequestHeaders = passRequestHeaders; self.passRequestBody = passRequestBody
        self.setsContentLength = setsContentLength
        rewritesCookies = !cookieDomain.isEmpty || !cookiePath.isEmpty || !cookieFlags.isEmpty
    }

    /// `Set-Cookie` as nginx's `ngx_http_proxy_rewrite_cookie` leaves it: the `domain=` and `path=` attributes
    /// rewritten by the first rule that matches each, then the flags of the first rule naming the cookie. A cookie
    /// some rule matched is written again with `; ` between its attributes, as nginx writes it; else it is sent
    /// as it came.
    func rewriteCookie(_ value: ArraySlice<UInt8>, request r: Request, into out: inout [UInt8]) {
        var parts = CookieParts(value)
        var matched = false
        for i in parts.attributes.indices {
            let name = ASCII.lowercased(parts.attributes[i].name)
            if name == Self.domain, !cookieDomain.isEmpty,
               let v = Self.replace(parts.attributes[i].value, cookieDomain, domain: true, r) {
                parts.attributes[i].value = v
                matched = true
            } else if name == Self.path, !cookiePath.isEmpty,
                      let v = Self.replace(parts.attributes[i].value, cookiePath, domain: false, r) {
                parts.attributes[i].value = v
                matched = true
            }
        }
        if let rule = cookieFlags.first(where: { $0.matches(parts.name, r) }) {
            parts.apply(rule.flags, r)
            matched = true
        }
        if matched { parts.appendNormalized(to: &out) } else { out.append(contentsOf: value) }
    }

    private static let domain = Array("domain".utf8), path = Array("path".utf8)

    /// Domains compare whole and case-insensitively (a leading dot kept aside); paths by case-sensitive prefix.
    /// A regex matches the whole value as written (dot included) and replaces it, its captures available to the
    /// replacement (nginx's regex handler).
    private static func replace(_ value: [UInt8], _ rules: [CookieReplacement], domain: Bool, _ r: Request) -> [UInt8]? {
        let dot = domain && value.first == UInt8(ascii: ".") ? 1 : 0
        let subject = Array(value[dot...])
        for rule in rules {
            if let re = rule.regex {
                guard let groups = re.firstMatch(in: value) else { continue }
                r.captures = groups.map { range in range.map { Array(value[$0]) } ?? [] }
                return r.evaluate(rule.to)
            }
            let from = rule.from.constant ?? r.evaluate(rule.from)
            if domain {
                guard ASCII.equalsIgnoringCase(subject, from) else { continue }
                return Array(value[..<dot]) + r.evaluate(rule.to)
            }
            guard subject.starts(with: from) else { continue }
            return r.evaluate(rule.to) + subject[from.count...]
        }
        return nil
    }
}

/// One `proxy_cookie_domain` / `proxy_cookie_path` rule, compiled.
struct CookieReplacement {
    let from: CompiledTemplate
    let regex: Regex?
    let to: CompiledTemplate
}

/// One `proxy_cookie_flags` rule, compiled.
struct CookieFlags {
    enum Flag {
        case secure, httpOnly, sameSite([UInt8]), noSecure, noHttpOnly, noSameSite
        /// Evaluated per response, then read as one of the others; empty or another word is no flag (nginx).
        case evaluated(CompiledTemplate)

        /// The flag a word names (any case), as nginx's proxy_cookie_flags masks.
        static func named(_ word: [UInt8]) -> Flag? {
            switch String(decoding: word, as: UTF8.self).lowercased() {
            case "secure": .secure
            case "httponly": .httpOnly
            case "samesite=strict": .sameSite(Array("Strict".utf8))
            case "samesite=lax": .sameSite(Array("Lax".utf8))
            case "samesite=none": .sameSite(Array("None".utf8))
            case "nosecure": .noSecure
            case "nohttponly": .noHttpOnly
            case "nosamesite": .noSameSite
            default: nil
            }
        }
    }
    let name: CompiledTemplate
    let regex: Regex?
    let flags: [Flag]

    func matches(_ cookie: [UInt8], _ r: Request) -> Bool {
        if let re = regex { return re.firstMatch(in: cookie) != nil }
        // A name matches in any case, as nginx compares it (ngx_strncasecmp); a regex as it was written.
        return ASCII.equalsIgnoringCase(cookie, name.constant ?? r.evaluate(name))
    }
}

/// A `Set-Cookie` value split at its semicolons: `name=value`, then attributes as written.
struct CookieParts {
    struct Attribute { var name: [UInt8]; var value: [UInt8]; var hasValue: Bool }
    var first: [UInt8]
    var attributes: [Attribute] = []

    init(_ value: ArraySlice<UInt8>) {
        let pieces = value.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        first = Array(pieces.first ?? [])
        for piece in pieces.dropFirst() {
            let trimmed = piece.drop { $0 == 32 || $0 == 9 }
            if let eq = trimmed.firstIndex(of: UInt8(ascii: "=")) {
                attributes.append(Attribute(name: Array(trimmed[..<eq]), value: Array(trimmed[(eq + 1)...]), hasValue: true))
            } else {
                attributes.append(Attribute(name: Array(trimmed), value: [], hasValue: false))
            }
        }
    }

    /// The cookie's name: what precedes the first `=`.
    var name: [UInt8] {
        let trimmed = first.drop { $0 == 32 || $0 == 9 }
        return Array(trimmed[..<(trimmed.firstIndex(of: UInt8(ascii: "=")) ?? trimmed.endIndex)])
    }

    private func index(of lowercased: String) -> Int? {
        let name = Array(lowercased.utf8)
        return attributes.firstIndex { ASCII.lowercased($0.name) == name }
    }

    mutating func apply(_ flags: [CookieFlags.Flag], _ r: Request) {
        for given in flags {
            var flag = given
            if case .evaluated(let t) = given {
                guard let named = CookieFlags.Flag.named(r.evaluate(t)) else { continue }
                flag = named
            }
            switch flag {
            case .secure:
                if index(of: "secure") == nil { attributes.append(Attribute(name: Array("Secure".utf8), value: [], hasValue: false)) }
            case .httpOnly:
                if index(of: "httponly") == nil {
                    attributes.append(Attribute(name: Array("HttpOnly".utf8), value: [], hasValue: false))
                }
            case .sameSite(let value):
                if let i = index(of: "samesite") { attributes[i].value = value; attributes[i].hasValue = true } else {
                    attributes.append(Attribute(name: Array("SameSite".utf8), value: value, hasValue: true))
                }
            case .noSecure: if let i = index(of: "secure") { attributes.remove(at: i) }
            case .noHttpOnly: if let i = index(of: "httponly") { attributes.remove(at: i) }
            case .noSameSite: if let i = index(of: "samesite") { attributes.remove(at: i) }
            case .evaluated: break
            }
        }
    }

    /// nginx's form of a rewritten cookie: `; ` before each attribute, empty ones left out.
    func appendNormalized(to out: inout [UInt8]) {
        out.append(contentsOf: first)
        for a in attributes where !a.name.isEmpty {
            out.append(UInt8(ascii: ";"))
            out.append(32)
            out.append(contentsOf: a.name)
            if a.hasValue { out.append(UInt8(ascii: "=")); out.append(contentsOf: a.value) }
        }
    }
}
