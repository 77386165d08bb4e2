import Config
import Testing

struct UnitsTests {
    @Test(arguments: [
        ("0", 0), ("512", 512), ("1k", 1024), ("64K", 65536), ("10m", 10_485_760), ("1M", 1_048_576),
    ] as [(String, Int)])
    func sizes(text: String, bytes: Int) {
        #expect(Units.size(text) == bytes)
    }

    @Test(arguments: ["", "k", "1g", "1.5k", "-1", "1kb", "1 k"])
    func invalidSizes(text: String) {
        #expect(Units.size(text) == nil)
    }

    @Test(arguments: [("30g", 32_212_254_720), ("1G", 1 << 30), ("10m", 10_485_760), ("7", 7)] as [(String, Int)])
    func offsets(text: String, bytes: Int) {
        #expect(Units.offset(text) == bytes)
    }

    @Test(arguments: [
        ("30", 30), ("30s", 30), ("5m", 300), ("1h", 3600), ("1d", 86400), ("2w", 1_209_600), ("1M", 2_592_000),
        ("1y", 31_536_000), ("1h 30m", 5400), ("1h30m", 5400), ("1d 2", 86402), ("0", 0),
    ] as [(String, Int)])
    func seconds(text: String, value: Int) {
        #expect(Units.seconds(text) == value)
    }

    @Test(arguments: ["", "s", "1x", "500ms", "1m 1h", "1s 1s", "-1", "1 h"])
    func invalidSeconds(text: String) {
        #expect(Units.seconds(text) == nil)
    }

    @Test(arguments: [
        ("500ms", 500), ("5", 5000), ("1s", 1000), ("1s 500ms", 1500), ("1m", 60_000), ("1d", 86_400_000),
        ("30000", 30_000_000),
    ] as [(String, Int)])
    func milliseconds(text: String, value: Int) {
        #expect(Units.milliseconds(text) == value)
    }

    @Test(arguments: ["1y", "1M", "ms", "500ms 1s", "1q"])
    func invalidMilliseconds(text: String) {
        #expect(Units.milliseconds(text) == nil)
    }
}
