import FuzzChecks

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzEntry.run(.session, bytes, count)
}

/// Built with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz.sh): libFuzzer. A plain build replays the files
/// named on the command line: `FuzzSession Fuzz/corpus/session/crash-…`.
@main
enum Main {
    static func main() {
        #if FUZZING
        FuzzEntry.fuzzMain(fuzzSession)
        #else
        FuzzEntry.replayMain(.session)
        #endif
    }
}
