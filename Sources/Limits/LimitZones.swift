public import Locking

/// A `limit_req_zone`'s table, shared by every worker thread and carried over a reload that keeps the zone's
/// name, size and key (nginx keeps a shared memory zone the same way).
public final class RequestLimitZone: Sendable {
    public let name: String
    public let size: Int
    public let keyText: String
    public let table: Lock<RequestLimitTable>

    public init(name: String, size: Int, keyText: String) {
        self.name = name; self.size = size; self.keyText = keyText
        table = Lock(RequestLimitTable(size: size))
    }
}

/// A `limit_conn_zone`'s table, shared and carried over a reload like `RequestLimitZone`.
public final class ConnectionLimitZone: Sendable {
    public let name: String
    public let size: Int
    public let keyText: String
    public let table: Lock<ConnectionLimitTable>

    public init(name: String, size: Int, keyText: String) {
        self.name = name; self.size = size; self.keyText = keyText
        table = Lock(ConnectionLimitTable(size: size))
    }
}
