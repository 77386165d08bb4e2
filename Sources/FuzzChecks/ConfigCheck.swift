import Config

/// Fuzz check of the configuration lexer, reader (with includes) and directive table. The input is one or
/// more files separated by NUL bytes: the first is `/fuzz/conf/nginx.conf`, the next `inc1.conf`, `inc2.conf`…
/// beside it, all held in memory. Loading ends in a configuration or in an error placed at a line of one of
/// those files (`[emerg] … in /fuzz/conf/inc1.conf:3`); only nginx's few whole-configuration errors have no place.
public enum ConfigCheck {
    static let directory = "/fuzz/conf"
    static let unplaced: Set<String> = ["no \"events\" section in configuration"]

    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        let parts = data.split(separator: 0, maxSplits: 8, omittingEmptySubsequences: false)
        var files: [String: [UInt8]] = [:]
        for (i, part) in parts.enumerated() {
            files[i == 0 ? "\(directory)/nginx.conf" : "\(directory)/inc\(i).conf"] = Array(part)
        }
        let loader = ConfigLoader(options: LoadOptions(prefix: "/fuzz"), source: InMemoryConfigSource(bytes: files))
        do throws(ConfigError) {
            _ = try loader.load(file: "\(directory)/nginx.conf")
        } catch {
            guard let location = error.location else {
                try require(unplaced.contains(error.message), "config error without a place: \(error.message)")
                return
            }
            let file = location.file ?? "command line"
            let lines = files[file].map { $0.reduce(1) { $1 == 0x0a ? $0 + 1 : $0 } }
            try require(lines != nil, "config error placed in an unknown file: \(error)")
            try require(
                location.line >= 1 && location.line <= lines!,
                "config error placed at line \(location.line) of a \(lines!)-line file: \(error)")
            try require(error.description.hasSuffix(" in \(file):\(location.line)"), "config error text has no place: \(error)")
        }
    }
}
