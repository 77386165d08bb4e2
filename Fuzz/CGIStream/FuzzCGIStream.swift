import FuzzChecks

/// Built with `-sanitize=fuzzer,address -D FUZZING` (scripts/fuzz.sh): libFuzzer on the cgi-stream target (a
/// uwsgi or SCGI answer's head, and the request codecs' decoders). A plain build replays the files named on the
/// command line: `FuzzCGIStream Fuzz/corpus/cgi-stream/crash-…`.
@main
enum Main {
    static func main() { FuzzEntry.main(.cgiStream) }
}
