// swift-tools-version:6.0
import PackageDescription

// Every target gets the same strict settings (Hummingbird's habit): Swift 6 language mode,
// explicit `any`, imports internal unless marked `public import`, and member import visibility.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
// Targets that import the `Regex` module (pcre2, as nginx's patterns are) do not implicitly import the standard
// library's `Regex<Output>`, so the name is unambiguous there.
let pcreNames: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import"])]
// Release builds skip dynamic exclusivity checks on the hot path; debug builds keep them. Cross-module
// optimization lets Proxy specialize the parsers' generic byte helpers (`some Collection<UInt8>`): unspecialized,
// every element read through a generic accessor costs a heap allocation (measured: 30 per request in URI
// normalization alone).
let engine: [SwiftSetting] = strict + [
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CLibevent", pkgConfig: "libevent", providers: [.apt(["libevent-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CSystem", dependencies: ["CLibevent"], linkerSettings: [.linkedLibrary("crypt")]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CTLS", dependencies: ["COpenSSL"]),

        // The lock shared tables use (pthread, so ThreadSanitizer sees it); depends on nothing.
        .target(name: "Locking", swiftSettings: engine),

        // Pure Swift: no C, no sockets. ASCIIBytes: the one set of ASCII byte helpers, all `@inlinable`.
        .target(name: "ASCIIBytes", swiftSettings: engine),
        .target(name: "HTTP1", dependencies: ["ASCIIBytes"], swiftSettings: engine),
        .target(name: "Config", swiftSettings: strict),
        .target(name: "Digest", swiftSettings: engine),
        // RecencyList: the LRU list under sticky learn's table, limit_req's zones and the cache index.
        .target(name: "Containers", swiftSettings: engine),
        .target(name: "Balancing", dependencies: ["ASCIIBytes", "Containers", "Digest", "Locking"], swiftSettings: engine),
        // limit_req's leaky bucket and limit_conn's counts: zone tables shared by the workers.
        .target(name: "Limits", dependencies: ["Containers", "Locking"], swiftSettings: engine),
        // The DNS message codec `resolver` uses: queries out, responses in, no sockets.
        .target(name: "DNS", swiftSettings: engine),

        // Thin owners of one C library each.
        .target(name: "EventLoop", dependencies: ["CLibevent", "CSystem", "CTLS", "Locking"], swiftSettings: engine),
        .target(name: "Deflate", dependencies: ["CZlib"], swiftSettings: engine),
        .target(name: "Regex", dependencies: ["CPCRE2"], swiftSettings: engine),

        .target(name: "Cache", dependencies: ["ASCIIBytes", "Containers", "HTTP1", "Digest", "Locking"], swiftSettings: engine),
        .target(name: "Gzip", dependencies: ["ASCIIBytes", "HTTP1", "Deflate"], swiftSettings: engine),

        .target(
            name: "Proxy",
            dependencies: [
                "ASCIIBytes", "Config", "HTTP1", "Balancing", "Cache", "Gzip", "Deflate", "Digest", "Regex", "EventLoop",
                "Limits", "Locking", "DNS",
            ],
            swiftSettings: engine + pcreNames
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: ["Config", "EventLoop", "Proxy", "Regex", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict + pcreNames
        ),
        .target(name: "SwitchyardTestSupport", dependencies: ["EventLoop", "HTTP1", "Locking"], swiftSettings: strict),
        // Fuzzing (docs/FUZZING.md): the checks, one libFuzzer executable per target, and the corpus replay.
        .target(name: "FuzzChecks", dependencies: ["ASCIIBytes", "HTTP1", "Config", "Balancing", "Cache"], swiftSettings: strict),
        .executableTarget(name: "FuzzRequestHead", dependencies: ["FuzzChecks"], path: "Fuzz/RequestHead", swiftSettings: strict),
        .executableTarget(name: "FuzzResponseHead", dependencies: ["FuzzChecks"], path: "Fuzz/ResponseHead", swiftSettings: strict),
        .executableTarget(name: "FuzzChunked", dependencies: ["FuzzChecks"], path: "Fuzz/Chunked", swiftSettings: strict),
        .executableTarget(name: "FuzzSession", dependencies: ["FuzzChecks"], path: "Fuzz/Session", swiftSettings: strict),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzChecks"], path: "Fuzz/Config", swiftSettings: strict),
        .executableTarget(name: "FuzzCacheEntry", dependencies: ["FuzzChecks"], path: "Fuzz/CacheEntry", swiftSettings: strict),
        .executableTarget(name: "FuzzFastCGI", dependencies: ["FuzzChecks"], path: "Fuzz/FastCGI", swiftSettings: strict),
        .executableTarget(name: "FuzzCGIStream", dependencies: ["FuzzChecks"], path: "Fuzz/CGIStream", swiftSettings: strict),
        .executableTarget(name: "session-app", dependencies: ["EventLoop", "HTTP1"], path: "examples/session-app/Sources", swiftSettings: strict),

        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"], swiftSettings: strict),
        .testTarget(name: "LockingTests", dependencies: ["Locking"], swiftSettings: strict),
        .testTarget(name: "ContainersTests", dependencies: ["Containers"], swiftSettings: strict),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Regex"], exclude: ["Fixtures"], swiftSettings: strict + pcreNames),
        .testTarget(name: "BalancingTests", dependencies: ["Balancing", "Digest"], swiftSettings: strict),
        .testTarget(name: "DNSTests", dependencies: ["DNS"], swiftSettings: strict),
        .testTarget(name: "LimitsTests", dependencies: ["Limits", "Locking"], swiftSettings: strict),
        .testTarget(name: "RegexTests", dependencies: ["Regex"], swiftSettings: strict + pcreNames),
        .testTarget(name: "DeflateTests", dependencies: ["Deflate"], swiftSettings: strict),
        .testTarget(name: "GzipTests", dependencies: ["Gzip", "Deflate", "HTTP1"], swiftSettings: strict),
        .testTarget(name: "CacheTests", dependencies: ["Cache", "HTTP1", "Digest", "SwitchyardTestSupport"], swiftSettings: strict),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop"], swiftSettings: strict),
        .testTarget(
            name: "ProxyTests",
            dependencies: ["Proxy", "Config", "HTTP1", "Deflate", "Digest", "SwitchyardTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(name: "LifecycleTests", dependencies: ["SwitchyardTestSupport", "Locking"], swiftSettings: strict),
        .testTarget(
            name: "CLITests",
            dependencies: ["switchyard", "Config", "SwitchyardTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzChecks"], swiftSettings: strict),
        // docs/ARCHITECTURE.md's module graph against this file.
        .testTarget(name: "ModuleGraphTests", swiftSettings: strict),
        .testTarget(name: "SessionClusterTests", dependencies: ["session-app", "SwitchyardTestSupport"], swiftSettings: strict),
    ]
)
