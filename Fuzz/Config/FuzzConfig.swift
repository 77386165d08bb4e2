import FuzzChecks

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzEntry.run(.config, bytes, count)
}

/// Built with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz.sh): libFuzzer. A plain build replays the files
/// named on the command line: `FuzzConfig Fuzz/corpus/config/crash-…`.
@main
enum Main {
    static func main() {
        #if FUZZING
        FuzzEntry.fuzzMain(fuzzConfig)
        #else
        FuzzEntry.replayMain(.config)
        #endif
    }
}
