import Testing

@testable import Balancing

@Suite struct SignedCookieTests {
    static let key1 = bytes("k1-0123456789abcdef0123456789abcdef")
    static let key2 = bytes("k2-fedcba9876543210fedcba9876543210")
    static let t0: Int64 = 1_767_225_600

    private func signer(_ keys: [[UInt8]] = [key1], lifetime: Duration = .seconds(3600)) -> CookieSigner {
        try! CookieSigner(keys: keys, lifetime: lifetime, cookieName: "srv_id")
    }

    @Test func issuesServerIDExpiryAndMAC() {
        let value = signer().issue(serverID: bytes("t1"), unixTime: Self.t0)
        let text = String(decoding: value, as: UTF8.self)
        #expect(text.hasPrefix("t1.\(Self.t0 + 3600)."))
        #expect(value.count == 2 + CookieSigner.suffixLength)
        #expect(StickyCookie.isSafeAttributeValue(value), "cookie-safe characters only")
        #expect(signer().verify(value[...], unixTime: Self.t0 + 1) == .valid(serverIDLength: 2, expires: Self.t0 + 3600))
    }

    @Test func anyChangedByteIsTampering() {
        let value = signer().issue(serverID: bytes("t1"), unixTime: Self.t0)
        for i in value.indices {
            var forged = value
            forged[i] = forged[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(signer().verify(forged[...], unixTime: Self.t0) == .tampered, "byte \(i)")
        }
        #expect(signer().verify(bytes("t1")[...], unixTime: Self.t0) == .tampered, "an unsigned value")
        var other = value
        other[1] = UInt8(ascii: "2")
        #expect(signer().verify(other[...], unixTime: Self.t0) == .tampered, "another server id under the same MAC")
    }

    @Test func expiresAfterItsLifetime() {
        let value = signer().issue(serverID: bytes("t1"), unixTime: Self.t0)
        #expect(signer().verify(value[...], unixTime: Self.t0 + 3599) != .expired)
        #expect(signer().verify(value[...], unixTime: Self.t0 + 3600) == .expired)
    }

    /// Rotation: the new key signs, the old one still verifies until it leaves the file.
    @Test func oldKeysVerifyTheFirstSigns() {
        let old = signer([Self.key1]).issue(serverID: bytes("t1"), unixTime: Self.t0)
        let rotated = signer([Self.key2, Self.key1])
        #expect(rotated.verify(old[...], unixTime: Self.t0) == .valid(serverIDLength: 2, expires: Self.t0 + 3600))
        let new = rotated.issue(serverID: bytes("t1"), unixTime: Self.t0)
        #expect(signer([Self.key2]).verify(new[...], unixTime: Self.t0) != .tampered)
        #expect(signer([Self.key1]).verify(new[...], unixTime: Self.t0) == .tampered)
        #expect(signer([Self.key2]).verify(old[...], unixTime: Self.t0) == .tampered, "the retired key")
    }

    @Test func theCookieNameIsSigned() throws {
        let value = signer().issue(serverID: bytes("t1"), unixTime: Self.t0)
        let other = try CookieSigner(keys: [Self.key1], lifetime: .seconds(3600), cookieName: "other")
        #expect(other.verify(value[...], unixTime: Self.t0) == .tampered)
    }

    @Test func keyFiles() throws {
        let text = bytes("# rotated 2026-12-01\n\n  \(String(decoding: Self.key2, as: UTF8.self))  \r\n\(String(decoding: Self.key1, as: UTF8.self))\n")
        #expect(try CookieSigner.keys(fromFile: text) == [Self.key2, Self.key1])
        #expect(throws: BalancingConfigError("the key on line 1 is shorter than 16 bytes")) {
            try CookieSigner.keys(fromFile: bytes("short\n"))
        }
        #expect(throws: BalancingConfigError("no keys in the key file")) { try CookieSigner.keys(fromFile: bytes("# none\n")) }
    }

    /// The per-worker cache answers a value it verified without the HMAC, and still checks the expiry.
    @Test func verifiedValuesAreRemembered() {
        let s = signer()
        let value = s.issue(serverID: bytes("t1"), unixTime: Self.t0)
        var cache = VerifiedCookies()
        #expect(cache.verdict(for: value[...], signer: s, unixTime: Self.t0) == .valid(serverIDLength: 2, expires: Self.t0 + 3600))
        // A signer with no matching key would reject it: the answer comes from the cache.
        let stranger = signer([Self.key2])
        #expect(cache.verdict(for: value[...], signer: stranger, unixTime: Self.t0 + 10) != .tampered)
        #expect(cache.verdict(for: value[...], signer: s, unixTime: Self.t0 + 3600) == .expired)
        var forged = value
        forged[0] = UInt8(ascii: "x")
        #expect(cache.verdict(for: forged[...], signer: s, unixTime: Self.t0) == .tampered)
    }

    /// Through the balancer: a valid cookie routes to its server (refreshed past half its life); a forged or
    /// expired one is balanced afresh and counted.
    @Test func stickyRouteVerifiesAndCounts() throws {
        let peers = [PeerConfig("10.0.0.1:80", route: bytes("t1")), PeerConfig("10.0.0.2:80", route: bytes("t2"))]
        let s = signer()
        let spec = StickySpec(method: .cookie(StickyCookie(name: "srv_id", signer: s)))
        let factory = try BalancerFactory(kind: .roundRobin, affinity: .sticky(spec), health: PeerHealth(peers: peers))
        var lb = factory.make()
        let value = s.issue(serverID: bytes("t2"), unixTime: Self.t0)
        func ctx(_ v: [UInt8], at t: Int64) -> PickContext {
            var c = PickContext(route: v, sessionID: v)
            c.unixTime = t
            return c
        }
        #expect(pickOnce(&lb, ctx(value, at: Self.t0 + 10), at: .seconds(1)) == Pick(PeerID(1), .owner))
        var refreshed = Pick(PeerID(1), .owner)
        refreshed.refresh = true
        #expect(pickOnce(&lb, ctx(value, at: Self.t0 + 1801), at: .seconds(1)) == refreshed)
        var forged = value
        forged[1] = UInt8(ascii: "1")
        #expect(pickOnce(&lb, ctx(forged, at: Self.t0), at: .seconds(1))?.role == .balanced)
        #expect(pickOnce(&lb, ctx(bytes("t2"), at: Self.t0), at: .seconds(1))?.role == .balanced, "unsigned")
        #expect(pickOnce(&lb, ctx(value, at: Self.t0 + 3600), at: .seconds(1))?.role == .balanced)
        let counted = factory.counters.snapshot()
        #expect(counted.cookiesTampered == 2)
        #expect(counted.cookiesExpired == 1)
    }
}
