/// A configuration the balancing layer rejects; the config layer adds the file and line.
///
///     throw BalancingConfigError("duplicate srun_id \"tomcat1\" in servers \"10.0.0.1:8081\" and \"10.0.0.2:8081\"")
public struct BalancingConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
