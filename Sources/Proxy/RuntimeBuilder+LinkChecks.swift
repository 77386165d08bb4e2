import Config
import Regex

extension Builder {
    /// `valid_referers` with the server's names filled in (nginx adds them at merge time, so a `server_name`
    /// below the directive counts); nil without the directive.
    mutating func refererCheck(_ written: ValidReferers?) throws(ConfigError) -> RefererCheck? {
        guard let written else { return nil }
        if let (last, check) = lastReferers, last == written { return check }
        var v = written
        var nameRegexes: [Regex] = []
        for name in serverNames {
            switch name {
            case .regex(let pattern, let loc):
                if v.serverNames || v.inheritsServerNameRegexes { nameRegexes.append(try compileRegex(pattern, caseless: true, at: loc)) }
            case .exact(let n), .wildcardPrefix(let n), .wildcardSuffix(let n):
                if v.serverNames { try v.add(host: n, uri: nil, at: v.location) }
            }
        }
        if (v.none || v.blocked) && v.hosts.isEmpty {
            throw ConfigError("the \"none\" or \"blocked\" referers are specified in the \"valid_referers\" directive "
                              + "without any valid referer", at: v.location)
        }
        var exact: [[UInt8]: [UInt8]?] = [:]
        var leading: [(suffix: [UInt8], matchesBare: Bool, value: [UInt8]?)] = []
        var trailing: [(prefix: [UInt8], value: [UInt8]?)] = []
        for h in v.hosts {
            let uri = h.uri.map { Array($0.utf8) }
            switch h.kind {
            case .exact: exact[Array(h.stem.utf8)] = uri
            case .leading, .leadingWithBare: leading.append((Array(("." + h.stem).utf8), h.kind == .leadingWithBare, uri))
            case .trailing: trailing.append((Array((h.stem + ".").utf8), uri))
            }
        }
        var regexes: [Regex] = []
        for pattern in v.regexes { regexes.append(try compileRegex(pattern, caseless: true, at: v.location)) }
        let check = RefererCheck(none: v.none, blocked: v.blocked,
                                 hosts: HostPatterns(exact: exact, leading: leading, trailing: trailing),
                                 serverNameRegexes: nameRegexes, regexes: regexes)
        lastReferers = (written, check)
        return check
    }

    /// The location's secure link mode: nginx reads `secure_link_secret` first, and the md5 mode needs both
    /// expressions.
    func secureLink(_ s: SecureLinkSettings, at loc: SourceLocation) throws(ConfigError) -> SecureLink? {
        if let secret = s.secret { return .secret(Array(secret.utf8)) }
        guard let link = s.link, let md5 = s.md5 else { return nil }
        return .md5(link: try compile(link, at: loc), md5: try compile(md5, at: loc))
    }
}
