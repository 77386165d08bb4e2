@testable import Config
import Testing

/// allow/deny and realip as the configuration reads them: addresses, blocks, order, inheritance, errors.
@Suite struct AccessConfigTests {
    @Test(arguments: [
        ("10.0.0.1", [10, 0, 0, 1], 32),
        ("192.168.1.0/24", [192, 168, 1, 0], 24),
        ("0.0.0.0/0", [0, 0, 0, 0], 0),
    ] as [(String, [UInt8], Int)])
    func ipv4Blocks(text: String, bytes: [UInt8], length: Int) {
        #expect(CIDR.parse(text) == .block(CIDR(address: bytes, prefixLength: length)))
    }

    @Test func ipv6Blocks() {
        guard case .block(let b) = CIDR.parse("2001:db8::/32") else { Issue.record("not parsed"); return }
        #expect(b.address == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 12))
        #expect(b.contains([0x20, 0x01, 0x0d, 0xb8, 0xff] + Array(repeating: 1, count: 11)))
        #expect(!b.contains([0x20, 0x01, 0x0d, 0xb9] + Array(repeating: 0, count: 12)))
        #expect(IPAddressText.parse("::1") == Array(repeating: 0, count: 15) + [1])
        #expect(IPAddressText.parse("::") == Array(repeating: 0, count: 16))
        #expect(IPAddressText.parse("::ffff:1.2.3.4") == Array(repeating: 0, count: 10) + [0xff, 0xff, 1, 2, 3, 4])
        #expect(IPAddressText.parse("1:2:3:4:5:6:7:8") == [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8])
        #expect(IPAddressText.parse("1::2:3") == [0, 1] + Array(repeating: 0, count: 10) + [0, 2, 0, 3])
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/", "::1/129", "1:::2",
                      "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1.2.3.4:5", "١.2.3.4", "::1.2.3"])
    func invalidAddresses(text: String) {
        #expect(CIDR.parse(text) == .invalid)
    }

    /// realip's byte reader agrees with the text one on every form, good or bad.
    @Test(arguments: ["10.0.0.1", "0.0.0.0", "255.255.255.255", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
                      "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4/8", "١.2.3.4", "", "::1", "2001:db8::1", "::ffff:1.2.3.4",
                      "1::2::3", "g::1", "1000.1.1.1", " 1.2.3.4"])
    func bytesAndTextAgree(text: String) {
        #expect(IPAddressText.parse(bytes: Array(text.utf8)[...]) == IPAddressText.parse(Substring(text)), "\(text)")
    }

    /// `limit_except`: its methods (GET brings HEAD), its block's rules merged from the location, nginx's errors.
    @Test func limitExcept() throws {
        let config = try load(http("""
            server {
                listen 80;
                location / { allow 10.0.0.0/8; limit_except GET post { deny all; } }
                location /b { limit_except PUT { auth_basic "x"; auth_basic_user_file users; } }
            }
            """))
        let locs = config.http!.servers[0].locations
        let first = try #require(locs[0].limitExcept)
        #expect(first.methods == ["GET", "HEAD", "POST"])
        #expect(first.settings.access.rules == [AccessRule(allow: false, target: .all)])
        #expect(locs[0].settings.access.rules == [AccessRule(allow: true, target: .block(CIDR(address: [10, 0, 0, 0], prefixLength: 8)))])
        let second = try #require(locs[1].limitExcept)
        #expect(second.settings.access.authBasicRealm != nil && second.settings.access.authBasicUserFile != nil)
        #expect(loadError(http("server { location / { limit_except FETCH { deny all; } } }"))
                == "invalid method \"FETCH\" in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { limit_except GET { deny all; } limit_except POST { } } }"))
                == "\"limit_except\" directive is duplicate in /c/nginx.conf:3")
        #expect(loadError(http("server { location / { limit_except GET { return 403; } } }"))
                == "\"return\" directive is not allowed here in /c/nginx.conf:3")
        #expect(loadError(http("server { limit_except GET { deny all; } }"))
                == "\"limit_except\" directive is not allowed here in /c/nginx.conf:3")
    }

    @Test func lowBitsAreMaskedWithAWarning() throws {
        #expect(CIDR.parse("10.0.0.1/8") == .lowBitsSet(CIDR(address: [10, 0, 0, 0], prefixLength: 8)))
        var diagnostics: [ConfigDiagnostic] = []
        _ = try load(http("server { listen 80; location / { allow 10.1.2.3/8; } }"), diagnostics: &diagnostics)
        #expect(diagnostics.map(\.description) == [
            "[warn] low address bits of 10.1.2.3/8 are meaningless in /c/nginx.conf:3"])
    }

    @Test func mappedIPv6MatchesIPv4Blocks() {
        let block = CIDR(address: [127, 0, 0, 0], prefixLength: 8)
        #expect(block.contains([127, 0, 0, 1]))
        #expect(block.contains(Array(repeating: 0, count: 10) + [0xff, 0xff, 127, 9, 9, 9]))
        #expect(!block.contains(Array(repeating: 0, count: 15) + [1]))
    }

    /// The first matching rule decides; no match lets in; a level with rules replaces its parent's.
    @Test func rulesInOrderAndInheritance() throws {
        let config = try load(http("""
            allow 127.0.0.1;
            deny all;
            server {
                listen 80;
                location /a { }
                location /b { deny 127.0.0.0/8; allow all; }
                location /c { allow unix:; deny all; }
            }
            """))
        let locs = config.http!.servers[0].locations
        let local: [UInt8] = [127, 0, 0, 1], other: [UInt8] = [10, 0, 0, 1]
        #expect(AccessRule.allows(locs[0].settings.access.rules, address: local))
        #expect(!AccessRule.allows(locs[0].settings.access.rules, address: other))
        #expect(!AccessRule.allows(locs[1].settings.access.rules, address: local))
        #expect(AccessRule.allows(locs[1].settings.access.rules, address: other))
        #expect(AccessRule.allows(locs[2].settings.access.rules, address: []))
        #expect(!AccessRule.allows(locs[2].settings.access.rules, address: local))
        #expect(AccessRule.allows([], address: other))
    }

    @Test func errors() {
        #expect(loadError(http("allow 1.2.3.4.5;")) == "invalid parameter \"1.2.3.4.5\" in /c/nginx.conf:3")
        #expect(loadError(http("deny;")) == "invalid number of arguments in \"deny\" directive in /c/nginx.conf:3")
        #expect(loadError(http("set_real_ip_from 10.0.0.1/40;")) == "host not found in set_real_ip_from \"10.0.0.1/40\" in /c/nginx.conf:3")
        #expect(loadError(http("set_real_ip_from -x;")) == "host not found in set_real_ip_from \"-x\" in /c/nginx.conf:3")
        #expect(loadError(http("real_ip_recursive maybe;")).contains("real_ip_recursive"))
    }

    @Test func realIPSettings() throws {
        let config = try load(http("""
            set_real_ip_from 10.0.0.0/8;
            set_real_ip_from unix:;
            real_ip_header X-Forwarded-For;
            server { listen 80; location / { real_ip_recursive on; } location /h { real_ip_header X-Client; } }
            """))
        let locs = config.http!.servers[0].locations
        #expect(locs[0].settings.access.realIPFrom == [.block(CIDR(address: [10, 0, 0, 0], prefixLength: 8)), .unix])
        #expect(locs[0].settings.access.realIPHeader == .xForwardedFor)
        #expect(locs[0].settings.access.realIPRecursive)
        #expect(locs[1].settings.access.realIPHeader == .named("x-client"))
        #expect(!locs[1].settings.access.realIPRecursive)
    }
}
