import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the session target. A plain
/// build replays the files named on the command line: `FuzzSession Fuzz/corpus/session/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.session) }
}
