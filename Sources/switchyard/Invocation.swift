private import Glibc

/// The flags resolved into absolute paths, as nginx resolves them: the prefix defaults to the compiled-in one
/// (InstallPaths) or the current directory, `-c` is relative to the prefix, includes are relative to the
/// configuration's directory.
struct Invocation {
    var prefix: String
    var configFile: String
    var globalDirectives: String?
    /// `-e`: nil or `stderr` means standard error only.
    var errorLog: String?
    var showVersion: Bool
    var showConfigure: Bool
    var test: Bool
    var dump: Bool
    var quiet: Bool
    var signal: ProcessSignal?

    init(_ flags: Switchyard) {
        let cwd = Invocation.currentDirectory()
        var prefix = flags.prefix.map { Invocation.absolute($0, base: cwd) } ?? InstallPaths.prefix ?? cwd
        while prefix.count > 1 && prefix.hasSuffix("/") { prefix.removeLast() }
        self.prefix = prefix
        self.configFile = Invocation.absolute(flags.configFile ?? InstallPaths.confPath ?? "conf/nginx.conf", base: prefix)
        self.globalDirectives = flags.globalDirectives
        self.errorLog = flags.errorLog.map { $0 == "stderr" ? $0 : Invocation.absolute($0, base: prefix) }
        self.showVersion = flags.showVersion
        self.showConfigure = flags.showConfigure
        self.test = flags.test || flags.dump
        self.dump = flags.dump
        self.quiet = flags.quiet
        self.signal = flags.signal
    }

    static func absolute(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base + path : base + "/" + path)
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
