import Config

/// The paths compiled in as defaults, as nginx's ./configure does. A plain `swift build` compiles none: the
/// prefix is the current directory and the configuration `conf/nginx.conf` under it. `make install` and
/// `make deb` build with `-DSWITCHYARD_INSTALLED` and a generated `InstallPaths.generated.swift`
/// (scripts/gen-install-paths.sh) that defines this type with the installed layout instead.
#if !SWITCHYARD_INSTALLED
enum InstallPaths {
    /// nil: the current directory.
    static let prefix: String? = nil
    /// nil: `conf/nginx.conf` under the prefix.
    static let confPath: String? = nil
    /// nil: pid, logs and temp directories under the prefix (`DefaultPaths.underPrefix`).
    static let defaultPaths: DefaultPaths? = nil
    /// `--prefix=…`, `--conf-path=…`, … for `-V`, in nginx's order.
    static let configureArguments: [String] = []
}
#endif
