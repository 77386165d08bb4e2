import Config
import Glibc
import HTTP1
@testable import Proxy
import Testing

/// WebDAV's decisions without a file system: the headers, min_delete_depth, the two paths of a COPY or MOVE,
/// the status an errno answers, the Location's escaping, and which methods a location handles.
struct DAVRulesTests {
    private func bytes(_ s: String) -> ArraySlice<UInt8> { ArraySlice(s.utf8) }

    @Test func depth() {
        #expect(DAVRules.depth(nil, fallback: .infinity) == .infinity)
        #expect(DAVRules.depth(nil, fallback: .zero) == .zero)
        #expect(DAVRules.depth(bytes("0"), fallback: .infinity) == .zero)
        #expect(DAVRules.depth(bytes("1"), fallback: .infinity) == .one)
        #expect(DAVRules.depth(bytes("infinity"), fallback: .zero) == .infinity)
        for bad in ["2", "Infinity", "infinite", "", "00", " 0"] {
            #expect(DAVRules.depth(bytes(bad), fallback: .zero) == .invalid)
        }
    }

    @Test func overwrite() {
        #expect(DAVRules.overwrite(nil) == true)
        #expect(DAVRules.overwrite(bytes("T")) == true)
        #expect(DAVRules.overwrite(bytes("t")) == true)
        #expect(DAVRules.overwrite(bytes("F")) == false)
        #expect(DAVRules.overwrite(bytes("f")) == false)
        for bad in ["X", "TRUE", "", "FF"] { #expect(DAVRules.overwrite(bytes(bad)) == nil) }
    }

    @Test func destinationPathsAndURLs() throws {
        let host = Array("example.com".utf8)
        func dest(_ v: String?, tls: Bool = false, host: [UInt8] = host) -> Result<DAVRules.Destination, DAVRules.DestinationError> {
            DAVRules.destination(v.map(bytes), host: host, tls: tls)
        }
        #expect(try dest("/a/b").get() == DAVRules.Destination(uri: Array("/a/b".utf8), collection: false))
        #expect(try dest("/a/b/").get() == DAVRules.Destination(uri: Array("/a/b/".utf8), collection: true))
        #expect(try dest("/a%20b?x=1").get().uri == Array("/a b".utf8))
        #expect(try dest("/%D0%BC").get().uri == [0x2f, 0xd0, 0xbc])
        #expect(try dest("http://example.com/x").get().uri == Array("/x".utf8))
        #expect(try dest("http://example.com:8080/x").get().uri == Array("/x".utf8))   // the port is passed over
        #expect(try dest("https://example.com/x", tls: true).get().uri == Array("/x".utf8))
        #expect(throws: DAVRules.DestinationError.missing) { try dest(nil).get() }
        #expect(throws: DAVRules.DestinationError.invalid) { try dest("https://example.com/x").get() }
        #expect(throws: DAVRules.DestinationError.invalid) { try dest("http://example.com/x", tls: true).get() }
        #expect(throws: DAVRules.DestinationError.invalid) { try dest("ftp://example.com/x").get() }
        #expect(throws: DAVRules.DestinationError.invalid) { try dest("http://example.com").get() }
        #expect(throws: DAVRules.DestinationError.otherRepository) { try dest("http://other.org/x").get() }
        #expect(throws: DAVRules.DestinationError.otherRepository) { try dest("http://ex/x").get() }
        #expect(throws: DAVRules.DestinationError.noHost) { try dest("http://example.com/x", host: []).get() }
        // Never out of the root: `..` segments, raw or encoded, and NULs.
        for unsafe in ["/../etc/passwd", "/a/..", "/a/%2e%2e/b", "/a/%2E%2E", "/a%00b", "http://example.com/.."] {
            #expect(throws: DAVRules.DestinationError.unsafe) { try dest(unsafe).get() }
        }
        #expect(try dest("/a/..b/c").get().uri == Array("/a/..b/c".utf8))
    }

    @Test func minDeleteDepth() {
        #expect(DAVRules.shallowDelete(Array("/a".utf8), minimum: 0) == nil)
        #expect(DAVRules.shallowDelete(Array("/a".utf8), minimum: 1) == nil)
        #expect(DAVRules.shallowDelete(Array("/".utf8), minimum: 1) == 1)
        #expect(DAVRules.shallowDelete(Array("/min3/shallow".utf8), minimum: 3) == 2)
        #expect(DAVRules.shallowDelete(Array("/min3/a/b/".utf8), minimum: 3) == nil)
        #expect(DAVRules.shallowDelete(Array("/min3/a/".utf8), minimum: 3) == 3)
        #expect(DAVRules.shallowDelete(Array("/min3/a/b/deep".utf8), minimum: 3) == nil)
    }

    @Test func pathsOfACopyOrMove() {
        #expect(DAVRules.mergeSlashes(Array("//a///b/".utf8)) == Array("/a/b/".utf8))
        func conflict(_ s: String, _ d: String, _ collection: Bool) -> DAVRules.PathConflict? {
            DAVRules.conflict(source: Array(s.utf8), destination: Array(d.utf8), collection: collection)
        }
        #expect(conflict("/r/a", "/r/a", false) == .same)
        #expect(conflict("/r/d/", "/r/d", true) == .same)
        #expect(conflict("/r/d/", "/r/d/sub", true) == .nested)   // into itself
        #expect(conflict("/r/d/sub/", "/r/d", true) == .nested)   // over its parent
        #expect(conflict("/r/d/", "/r/dd", true) == nil)
        #expect(conflict("/r/dd/", "/r/d", true) == nil)
        #expect(conflict("/r/a", "/r/b", false) == nil)
    }

    @Test func errnoToStatus() {
        #expect(DAVRules.failure(ENOENT, notFound: 404) == (404, .error))
        #expect(DAVRules.failure(ENOTDIR, notFound: 409) == (409, .error))
        #expect(DAVRules.failure(ENAMETOOLONG, notFound: 404) == (404, .error))
        #expect(DAVRules.failure(EACCES, notFound: 404) == (403, .error))
        #expect(DAVRules.failure(EPERM, notFound: 404) == (403, .error))
        #expect(DAVRules.failure(EEXIST, notFound: 409) == (405, .error))
        #expect(DAVRules.failure(ENOSPC, notFound: 404) == (507, .crit))
        #expect(DAVRules.failure(EIO, notFound: 404) == (500, .crit))
    }

    @Test func accessAndEscaping() {
        #expect(DAVRules.directoryAccess(0o600) == 0o700)
        #expect(DAVRules.directoryAccess(0o644) == 0o755)
        #expect(DAVRules.directoryAccess(0o640) == 0o750)
        #expect(DAVRules.escapedURI(Array("/a b/%?#\"<>\\^`{|}~!$&'()*+,;=:@[]".utf8))
                == Array("/a%20b/%25%3F%23%22%3C%3E%5C%5E%60%7B%7C%7D~!$&'()*+,;=:@[]".utf8))
        #expect(DAVRules.escapedURI([0x2f, 0xd0, 0xbc, 0x7f, 0x09]) == Array("/%D0%BC%7F%09".utf8))
    }

    @Test func methodsALocationHandles() {
        var s = DAVSettings()
        #expect(DAVRuntime(s) == nil)
        s.$methods.set([.off])
        #expect(DAVRuntime(s) == nil)
        s.$methods.set([.put, .copy])
        s.$access.set(0o644)
        let dav = DAVRuntime(s)
        #expect(dav?.handles(.put) == true)
        #expect(dav?.handles(.copy) == true)
        #expect(dav?.handles(.move) == false)
        #expect(dav?.handles(.delete) == false)
        #expect(dav?.handles(.get) == false)
        #expect(dav?.directoryAccess == 0o755)
    }
}
