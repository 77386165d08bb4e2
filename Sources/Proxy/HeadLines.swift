/// The lines of a head already built, each with its line end, for the filters that edit one (the content
/// filters' header filter, the slice filter's). Pure.
enum HeadLines {
    /// Calls `body` with each line and whether it is the status line, until `body` returns false.
    static func forEach(_ head: [UInt8], _ body: (_ line: ArraySlice<UInt8>, _ isStatusLine: Bool) -> Bool) {
        var i = 0
        var first = true
        while i < head.count {
            var end = i
            while end < head.count && head[end] != 10 { end += 1 }
            let lineEnd = min(end + 1, head.count)
            let goOn = body(head[i..<lineEnd], first)
            first = false
            i = lineEnd
            if !goOn { return }
        }
    }
}
