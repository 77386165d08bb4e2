import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the response-head target. A plain
/// build replays the files named on the command line: `FuzzResponseHead Fuzz/corpus/response-head/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.responseHead) }
}
