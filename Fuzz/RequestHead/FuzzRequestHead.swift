import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the request-head target. A plain
/// build replays the files named on the command line: `FuzzRequestHead Fuzz/corpus/request-head/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.requestHead) }
}
