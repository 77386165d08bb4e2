@testable import Config
import Testing

/// `charset_map`: its lines as nginx reads them (hex bytes, UTF-8 sequences up to three bytes) and nginx's wording
/// for what it refuses.
struct CharsetMapDirectiveTests {
    @Test func linesOfBothKinds() throws {
        let config = try load(http("""
            charset_map koi8-r windows-1251 { C6 F4; 58 59; }
            charset_map koi8-r UTF-8 { c6 D184; A3 d191; 9A C2A0; 95 E28899; }
            server { listen 80; }
            """))
        let maps = config.http!.charsetMaps
        #expect(maps.count == 2)
        #expect(maps[0].from == "koi8-r" && maps[0].to == "windows-1251" && !maps[0].utf8)
        #expect(maps[0].lines == [.init(byte: 0xc6, target: [0xf4]), .init(byte: 0x58, target: [0x59])])
        #expect(maps[1].utf8)
        #expect(maps[1].lines.map(\.target) == [[0xd1, 0x84], [0xd1, 0x91], [0xc2, 0xa0], [0xe2, 0x88, 0x99]])
    }

    @Test func errorsAsNginxWordsThem() {
        #expect(loadError(http("charset_map a A { }")) == "\"charset_map\" between the same charsets \"a\" and \"A\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map utf-8 koi8-r { }"))
                == "\"charset_map\" with \"utf-8\" charset should be given in the second column in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a b { } charset_map B A { }")) == "duplicate \"charset_map\" between \"B\" and \"A\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a b { 100 41; }")) == "invalid value \"100\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a b { zz 41; }")) == "invalid value \"zz\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a b { 41 1FF; }")) == "invalid value \"1FF\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a b { 41; }")) == "invalid parameters number in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a b { 41 42 43; }")) == "invalid parameters number in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a utf-8 { 80 F09F9880; }")) == "invalid value \"F09F9880\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a utf-8 { 80 41; }")) == "invalid value \"41\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a utf-8 { 80 D1; }")) == "invalid value \"D1\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a utf-8 { 80 E08080; }")) == "invalid value \"E08080\" in /c/nginx.conf:3")
        #expect(loadError(http("charset_map a b;")) == "directive \"charset_map\" has no opening \"{\" in /c/nginx.conf:3")
        #expect(loadError(http("server { listen 80; charset_map a b { } }"))
                == "\"charset_map\" directive is not allowed here in /c/nginx.conf:3")
    }
}

/// The maps packaging installs beside switchyard.conf (Debian nginx's koi-utf, koi-win, win-utf) load as they are.
struct ShippedCharsetMapsTests {
    @Test func theShippedMapsLoad() throws {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        var files: [String: String] = [:]
        for name in ["koi-utf", "koi-win", "win-utf"] {
            files[name] = String(decoding: try FileSystemConfigSource().read(path + "/packaging/etc/" + name), as: UTF8.self)
        }
        files["nginx.conf"] = "events {}\nhttp { include koi-utf; include koi-win; include win-utf; }\n"
        let maps = try load(files).http!.charsetMaps
        #expect(maps.map { "\($0.from) \($0.to)" } == ["koi8-r utf-8", "koi8-r windows-1251", "windows-1251 utf-8"])
        #expect(maps[0].lines.count == 128)
        #expect(maps[0].lines.first { $0.byte == 0xc6 }?.target == [0xd1, 0x84])   // ф
    }
}
