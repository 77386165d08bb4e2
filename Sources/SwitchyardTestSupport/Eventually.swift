import Glibc

/// Whether `condition` becomes true within `seconds`, checked every millisecond: for state another process or
/// thread reaches on its own (a connection closed, a counter moved), never as a stand-in for a timing claim.
public func eventually(seconds: Int = 10, _ condition: () -> Bool) -> Bool {
    for _ in 0..<(seconds * 1000) {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}
