import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the fastcgi target. A plain
/// build replays the files named on the command line: `FuzzFastCGI Fuzz/corpus/fastcgi/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.fastcgi) }
}
