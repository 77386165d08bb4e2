import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the cache-entry target. A plain
/// build replays the files named on the command line: `FuzzCacheEntry Fuzz/corpus/cache-entry/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.cacheEntry) }
}
