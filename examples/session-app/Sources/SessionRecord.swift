/// What a session holds in this demo and how it travels to memcached: a hit counter, timestamps, and a revision
/// that grows with every write, so a node reading several memcached copies takes the newest (the copies differ
/// after a memcached node was down for a while).
///
///     SessionRecord.decode(Array("S1 rev=3 hits=3 created=1700000000 accessed=1700000060".utf8))
struct SessionRecord: Equatable {
    let base: String
    var revision: Int
    var hits: Int
    var createdSeconds: Int
    var accessedSeconds: Int

    static func new(base: String, now: Int) -> SessionRecord {
        SessionRecord(base: base, revision: 0, hits: 0, createdSeconds: now, accessedSeconds: now)
    }

    func encoded() -> [UInt8] {
        Array("S1 rev=\(revision) hits=\(hits) created=\(createdSeconds) accessed=\(accessedSeconds)".utf8)
    }

    /// nil for anything this version did not write (another serializer's bytes under the same key).
    static func decode(_ bytes: [UInt8], base: String) -> SessionRecord? {
        let words = bytes.split(separator: 32)
        guard words.count == 5, words[0].elementsEqual("S1".utf8) else { return nil }
        func field(_ w: ArraySlice<UInt8>, _ name: String) -> Int? {
            let prefix = Array((name + "=").utf8)
            guard w.starts(with: prefix) else { return nil }
            return Int(String(decoding: w.dropFirst(prefix.count), as: UTF8.self))
        }
        guard let rev = field(words[1], "rev"), let hits = field(words[2], "hits"),
              let created = field(words[3], "created"), let accessed = field(words[4], "accessed")
        else { return nil }
        return SessionRecord(base: base, revision: rev, hits: hits, createdSeconds: created, accessedSeconds: accessed)
    }

    func isExpired(now: Int, timeoutSeconds: Int) -> Bool { now - accessedSeconds > timeoutSeconds }
}
