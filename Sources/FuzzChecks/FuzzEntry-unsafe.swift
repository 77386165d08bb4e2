import Glibc

/// The two ways into a check: libFuzzer's raw bytes, and files named on a command line (the executables'
/// replay mode when built without `-D FUZZING`). The only pointer in FuzzChecks is libFuzzer's input.
public enum FuzzEntry {
    /// `LLVMFuzzerTestOneInput`'s body: copies the input and runs the check; a broken property traps, so
    /// libFuzzer stops and saves the input as a crash.
    public static func run(_ target: FuzzTarget, _ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
        let data = bytes.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        do throws(FuzzFailure) {
            try target.check(data)
        } catch {
            fatalError("\(target.name): \(error)")
        }
        return 0
    }

    /// Replays each file in `paths` through `target`'s check; prints one line per file and returns the
    /// exit status (1 if any check failed or a file could not be read).
    public static func replay(_ target: FuzzTarget, paths: [String]) -> Int32 {
        var status: Int32 = 0
        for path in paths {
            guard let data = ReplayFile.read(path) else {
                print("\(path): cannot read")
                status = 1
                continue
            }
            do throws(FuzzFailure) {
                try target.check(data)
                print("\(path): ok")
            } catch {
                print("\(path): FAILED \(error)")
                status = 1
            }
        }
        return status
    }
}

/// Reading corpus files and listing corpus directories without Foundation.
public enum ReplayFile {
    /// The whole file, or nil when it cannot be opened or read.
    public static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            out += chunk[0..<n]
        }
    }

    /// The regular files directly in `directory` (hidden ones skipped), as full paths, sorted; empty when
    /// the directory cannot be opened.
    public static func files(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix(".") || entry.pointee.d_type == DT_DIR { continue }
            names.append(name)
        }
        return names.sorted().map { directory + "/" + $0 }
    }
}

extension FuzzEntry {
    /// Every fuzz executable's `main`: libFuzzer on `target` in a fuzzing build (`-D FUZZING`), else a replay of
    /// the files given as arguments. The executables hold no pointer code: the entry point is here.
    public static func main(_ target: FuzzTarget) -> Never {
        #if FUZZING
        selected = target
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
        #else
        exit(replay(target, paths: Array(CommandLine.arguments.dropFirst())))
        #endif
    }
}

#if FUZZING
/// The target of this process, set once by `FuzzEntry.main` before libFuzzer starts (one target per executable).
nonisolated(unsafe) private var selected = FuzzTarget.requestHead

/// libFuzzer calls this once per input (also exported under its well-known name).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzEntry.run(selected, bytes, count)
}

/// libFuzzer's driver, for a `main` of our own: SwiftPM links every executable's entry point as `main`, so
/// libFuzzer's own `main` is never used; ours hands the arguments and the test callback to it.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
#endif
