import FuzzChecks

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCacheEntry(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzEntry.run(.cacheEntry, bytes, count)
}

/// Built with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz.sh): libFuzzer. A plain build replays the files
/// named on the command line: `FuzzCacheEntry Fuzz/corpus/cache-entry/crash-…`.
@main
enum Main {
    static func main() {
        #if FUZZING
        FuzzEntry.fuzzMain(fuzzCacheEntry)
        #else
        FuzzEntry.replayMain(.cacheEntry)
        #endif
    }
}
