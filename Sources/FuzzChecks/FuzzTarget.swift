/// The fuzz targets: one check function each, shared by the libFuzzer executables (`Fuzz/<Name>`) and the
/// corpus replay test. `name` is the corpus directory (`Fuzz/corpus/<name>/`) and `Fuzz<Product>` the product.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case requestHead = "request-head"
    case responseHead = "response-head"
    case chunked
    case session
    case config
    case cacheEntry = "cache-entry"
    case fastcgi
    case cgiStream = "cgi-stream"

    public var name: String { rawValue }

    /// Runs the target's checks on one input; a broken property throws.
    public func check(_ data: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .requestHead: try RequestHeadCheck.check(data)
        case .responseHead: try ResponseHeadCheck.check(data)
        case .chunked: try ChunkedCheck.check(data)
        case .session: try SessionCheck.check(data)
        case .config: try ConfigCheck.check(data)
        case .cacheEntry: try CacheEntryCheck.check(data)
        case .fastcgi: try FastCGICheck.check(data)
        case .cgiStream: try CGIStreamCheck.check(data)
        }
    }
}
