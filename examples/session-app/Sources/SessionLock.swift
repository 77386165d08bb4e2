/// A non-sticky session lock held in memcached (MSM's `lock:<id>` key, taken with `add`).
struct SessionLock {
    let node: Int
    let key: String
}
