@testable import Config
import Testing

/// valid_referers and secure_link*: nginx's errors, and what a level inherits.
struct LinkCheckConfigTests {
    private func server(_ body: String) -> [String: String] { http("server { \(body) }") }

    @Test func validReferersRefusesWhatNginxRefuses() {
        #expect(loadError(server("valid_referers \"\";")) == "invalid referer \"\" in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers ~;")) == "empty regex in \"~\" in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers a*b.com;")) == "invalid hostname or wildcard \"a*b.com\" in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers *.*.com;")) == "invalid hostname or wildcard \"*.*.com\" in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers a..com/x;")) == "invalid hostname or wildcard \"a..com\" in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers a.com; valid_referers A.com/x;")) == "conflicting parameter \"a.com\" in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers *.a.com .a.com;")) == "conflicting parameter \".a.com\" in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers a.com .a.com;")) == "conflicting parameter \".a.com\" in /c/nginx.conf:3")
        #expect(loadError(http("valid_referers a.com;")) == "\"valid_referers\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(server("referer_hash_max_size x;")) == "\"referer_hash_max_size\" directive invalid number in /c/nginx.conf:3")
        #expect(loadError(server("valid_referers none blocked server_names a.com *.a.com www.a.* ~\\.google\\.; referer_hash_bucket_size 128;")) == "loaded")
    }

    @Test func validReferersLinesOfALevelAddUp() throws {
        let loaded = try load(server("valid_referers none a.com/g/; valid_referers ~x; location / {}"))
        let v = try #require(loaded.http!.servers[0].settings.referer.validReferers)
        #expect(v.none && !v.blocked && !v.serverNames)
        #expect(v.hosts.map(\.name) == ["a.com"] && v.hosts[0].uri == "/g/")
        #expect(v.regexes == ["x"])
        #expect(firstLocation(loaded).settings.referer.validReferers == v)
    }

    /// Which names conflict, pair by pair in every wildcard form, is what `RefererHost.conflicts` says (the
    /// check is a set of stems now, not a search of every name before).
    @Test func everyPairOfRefererFormsConflictsAsNginxsHashDoes() throws {
        let names = ["a.com", "*.a.com", ".a.com", "a.com.*", "a.*", "*.b.a.com", "b.a.com", ".B.A.com", "x.*"]
        for first in names {
            for second in names {
                let a = try #require(RefererHost(name: first, uri: nil)), b = try #require(RefererHost(name: second, uri: nil))
                var v = ValidReferers(location: SourceLocation(file: "/c/x", line: 1))
                try v.add(host: first, uri: nil, at: v.location)
                let refused = (try? v.add(host: second, uri: "/u", at: v.location)) == nil
                #expect(refused == a.conflicts(with: b), "\(first) then \(second)")
            }
        }
    }

    /// A generated list of 20,000 names loads, and a name that repeats one is refused, on its line (the line of the `;`).
    @Test func aLargeRefererListLoadsAndARepeatIsStillRefused() throws {
        let names = (1...20_000).map { "h\($0).example.com" }
        let loaded = try load(server("valid_referers \(names.joined(separator: " "))\n*.example.com\n.other.example.com;"))
        let v = try #require(loaded.http!.servers[0].settings.referer.validReferers)
        #expect(v.hosts.count == 20_002 && v.hosts.last?.name == ".other.example.com" && v.hosts[9_999].name == "h10000.example.com")
        #expect(loadError(server("valid_referers \(names.joined(separator: " "))\nH1.example.com/x;"))
            == "conflicting parameter \"h1.example.com\" in /c/nginx.conf:4")
        #expect(loadError(server("valid_referers \(names.joined(separator: " "));\nvalid_referers *.a.com .h7.example.com;"))
            == "conflicting parameter \".h7.example.com\" in /c/nginx.conf:4")
    }

    /// nginx merges the regexes apart from the names: a level's own list keeps those above when it has none.
    @Test func aLevelWithoutRegexesKeepsTheRegexesAbove() throws {
        let loaded = try load(server("valid_referers server_names ~above; location / { valid_referers b.com; } location /r { valid_referers ~own; }"))
        let locations = loaded.http!.servers[0].locations
        let plain = try #require(locations[0].settings.referer.validReferers)
        #expect(plain.hosts.map(\.name) == ["b.com"] && plain.regexes == ["above"] && !plain.serverNames)
        #expect(plain.inheritsServerNameRegexes)
        #expect(try #require(locations[1].settings.referer.validReferers).regexes == ["own"])
    }

    @Test func secureLinkSecretIsNotMixedWithTheMD5Mode() {
        let mixed = "\"secure_link_secret\" cannot be mixed with \"secure_link\" and \"secure_link_md5\" in /c/nginx.conf:3"
        #expect(loadError(server("location / { secure_link $arg_h; secure_link_secret s; }")) == mixed)
        #expect(loadError(server("location / { secure_link_secret s; secure_link_md5 $uri; }")) == mixed)
        #expect(loadError(server("location / { secure_link_secret s; secure_link_secret t; }"))
                == "\"secure_link_secret\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("secure_link_secret s; server { location / { secure_link $arg_h; secure_link_md5 x; } }")) == "loaded")
    }

    @Test func secureLinkInheritsAsNginxMerges() throws {
        let loaded = try load(http("""
            secure_link $arg_h; secure_link_md5 s$uri;
            server { location /s/ { secure_link_secret w; location /s/n { secure_link $arg_x; } location /s/k {} } location /m {} }
            """))
        let locations = loaded.http!.servers[0].locations
        let s = locations[0].settings.secureLink
        #expect(s.secret == "w" && s.link == nil && s.md5 == nil)               // the secret level takes neither
        let n = locations[0].nested[0].settings.secureLink
        #expect(n.secret == nil && n.link?.description == "$arg_x" && n.md5 == nil)   // an expression drops the secret
        #expect(locations[0].nested[1].settings.secureLink.secret == "w")
        let m = locations[1].settings.secureLink
        #expect(m.secret == nil && m.link?.description == "$arg_h" && m.md5?.description == "s$uri")
    }
}
