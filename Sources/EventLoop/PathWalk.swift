/// How a path is opened a component at a time (nginx's `disable_symlinks`): the first `from` bytes opened as
/// they are (links followed: the part an operator vouches for, often `$document_root`), then each directory
/// after them, then the last name. Empty components (`//`) are skipped; `.` and `..` are opened like any other
/// name, as nginx does. A path ending in `/` has no last name: its last directory is what is opened.
///
///     PathWalk(Array("/srv/www/a/b.html".utf8), from: 8)   // prefix "/srv/www", directories ["a"], last "b.html"
public struct PathWalk: Equatable, Sendable {
    /// Opened as it is; nil: the walk starts at `/` (or the working directory for a relative path).
    public let prefix: Range<Int>?
    public let absolute: Bool
    public let directories: [Range<Int>]
    /// nil when the path ends in `/`.
    public let last: Range<Int>?

    public init(_ path: [UInt8], from: Int) {
        let slash = UInt8(ascii: "/")
        absolute = path.first == slash
        let start = min(max(from, 0), path.count)
        prefix = start > 0 ? 0..<start : nil
        var names: [Range<Int>] = []
        var i = start
        while i < path.count {
            if path[i] == slash { i += 1; continue }
            var j = i
            while j < path.count && path[j] != slash { j += 1 }
            names.append(i..<j)
            i = j
        }
        if path.last == slash || names.isEmpty {
            directories = names
            last = nil
        } else {
            directories = Array(names.dropLast())
            last = names.last
        }
    }
}
