import FuzzChecks

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzEntry.run(.requestHead, bytes, count)
}

/// Built with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz.sh): libFuzzer. A plain build replays the files
/// named on the command line: `FuzzRequestHead Fuzz/corpus/request-head/crash-…`.
@main
enum Main {
    static func main() {
        #if FUZZING
        FuzzEntry.fuzzMain(fuzzRequestHead)
        #else
        FuzzEntry.replayMain(.requestHead)
        #endif
    }
}
