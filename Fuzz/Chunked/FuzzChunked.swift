import FuzzChecks

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzEntry.run(.chunked, bytes, count)
}

/// Built with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz.sh): libFuzzer. A plain build replays the files
/// named on the command line: `FuzzChunked Fuzz/corpus/chunked/crash-…`.
@main
enum Main {
    static func main() {
        #if FUZZING
        FuzzEntry.fuzzMain(fuzzChunked)
        #else
        FuzzEntry.replayMain(.chunked)
        #endif
    }
}
