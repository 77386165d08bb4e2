import Cache
import Testing

private let now: Int64 = 1_795_597_200  // Wed, 25 Nov 2026 09:00:00 GMT

@Suite struct ExpiresTests {
    @Test(arguments: [
        (["off"], ExpiresSetting.off),
        (["epoch"], .epoch),
        (["max"], .max),
        (["30d"], .access(2_592_000)),
        (["1h30m"], .access(5400)),
        (["90"], .access(90)),
        (["-1"], .access(-1)),
        (["-1h"], .access(-3600)),
        (["0"], .access(0)),
        (["modified", "1d"], .modified(86_400)),
        (["modified", "-10m"], .modified(-600)),
        (["@15h30m"], .daily(55_800)),
        (["@15:30"], .daily(55_800)),
        (["@0:00"], .daily(0)),
    ])
    func parses(args: [String], setting: ExpiresSetting) {
        #expect(ExpiresSetting.parse(args) == setting)
    }

    @Test(arguments: [["30x"], ["@25:00"], ["@24h"], ["modified"], ["access", "1h"], [], ["d"]])
    func rejects(args: [String]) {
        #expect(ExpiresSetting.parse(args) == nil)
    }

    struct Row: Sendable {
        let setting: ExpiresSetting
        let lastModified: Int64?
        let expires: String
        let cacheControl: String
    }

    @Test(arguments: [
        Row(setting: .access(2_592_000), lastModified: nil, expires: "Fri, 25 Dec 2026 09:00:00 GMT", cacheControl: "max-age=2592000"),
        Row(setting: .access(0), lastModified: nil, expires: "Wed, 25 Nov 2026 09:00:00 GMT", cacheControl: "max-age=0"),
        Row(setting: .access(-3600), lastModified: nil, expires: "Wed, 25 Nov 2026 08:00:00 GMT", cacheControl: "no-cache"),
        Row(setting: .epoch, lastModified: nil, expires: "Thu, 01 Jan 1970 00:00:01 GMT", cacheControl: "no-cache"),
        Row(setting: .max, lastModified: nil, expires: "Thu, 31 Dec 2037 23:55:55 GMT", cacheControl: "max-age=315360000"),
        // modified: counted from Last-Modified (here one hour ago)...
        Row(setting: .modified(7200), lastModified: now - 3600, expires: "Wed, 25 Nov 2026 10:00:00 GMT", cacheControl: "max-age=3600"),
        // ...an Expires already past gives no-cache even for a positive time...
        Row(setting: .modified(600), lastModified: now - 3600, expires: "Wed, 25 Nov 2026 08:10:00 GMT", cacheControl: "no-cache"),
        // ...and without Last-Modified it counts from the request.
        Row(setting: .modified(60), lastModified: nil, expires: "Wed, 25 Nov 2026 09:01:00 GMT", cacheControl: "max-age=60"),
        // @time: the next occurrence of that time of day (UTC here).
        Row(setting: .daily(15 * 3600 + 30 * 60), lastModified: nil, expires: "Wed, 25 Nov 2026 15:30:00 GMT", cacheControl: "max-age=23400"),
        Row(setting: .daily(8 * 3600), lastModified: nil, expires: "Thu, 26 Nov 2026 08:00:00 GMT", cacheControl: "max-age=82800"),
        Row(setting: .daily(9 * 3600), lastModified: nil, expires: "Thu, 26 Nov 2026 09:00:00 GMT", cacheControl: "max-age=86400"),
    ])
    func headers(row: Row) {
        let h = Expires.headers(row.setting, status: 200, now: now, lastModified: row.lastModified)
        #expect(h == ExpiresHeaders(expires: row.expires, cacheControl: row.cacheControl))
    }

    @Test func dailyUsesLocalTime() {
        // In UTC+8, 09:00 UTC is 17:00 local: @18:00 local is in one hour, 10:00 UTC.
        let h = Expires.headers(.daily(18 * 3600), status: 200, now: now, utcOffset: 8 * 3600)
        #expect(h == ExpiresHeaders(expires: "Wed, 25 Nov 2026 10:00:00 GMT", cacheControl: "max-age=3600"))
    }

    @Test(arguments: [200, 201, 204, 206, 301, 302, 303, 304, 307, 308])
    func appliesTo(status: Int) {
        #expect(Expires.headers(.access(60), status: status, now: now) != nil)
    }

    @Test(arguments: [100, 202, 203, 300, 305, 400, 403, 404, 500, 502])
    func skips(status: Int) {
        #expect(Expires.headers(.access(60), status: status, now: now) == nil)
    }

    @Test func offSetsNothing() {
        #expect(Expires.headers(.off, status: 200, now: now) == nil)
    }
}
