import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the config target. A plain
/// build replays the files named on the command line: `FuzzConfig Fuzz/corpus/config/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.config) }
}
