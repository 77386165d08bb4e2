import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the chunked target. A plain
/// build replays the files named on the command line: `FuzzChunked Fuzz/corpus/chunked/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.chunked) }
}
