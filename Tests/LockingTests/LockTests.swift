import Glibc
import Locking
import Testing

@Suite struct LockTests {
    /// Four threads add 5,000 times each to one counter: with mutual exclusion none of the increments is lost.
    /// (Under `make sanitize`'s ThreadSanitizer run this is also the check that TSan sees the lock: it would
    /// report the unlocked read-modify-write as a race.)
    @Test func concurrentIncrementsAreNeverLost() {
        let counter = Lock(0)
        let threads = 4, rounds = 5_000
        var ids: [pthread_t] = []
        for _ in 0..<threads {
            var tid = pthread_t()
            let box = Unmanaged.passRetained(counter).toOpaque()
            let rc = pthread_create(&tid, nil, { arg in
                let c = Unmanaged<Lock<Int>>.fromOpaque(arg!).takeRetainedValue()
                for _ in 0..<5_000 { c.withLock { $0 += 1 } }
                return nil
            }, box)
            #expect(rc == 0)
            ids.append(tid)
        }
        for t in ids { pthread_join(t, nil) }
        #expect(counter.withLock { $0 } == threads * rounds)
    }

    /// withLock hands back what the body returns and rethrows what it throws, leaving the lock free.
    @Test func returnsAndRethrowsAndUnlocks() {
        struct Refused: Error {}
        let lock = Lock([1, 2, 3])
        #expect(lock.withLock { $0.count } == 3)
        #expect(throws: Refused.self) { try lock.withLock { _ in throw Refused() } }
        lock.withLock { $0.append(4) }   // would deadlock if the throw had left it locked
        #expect(lock.withLock { $0 } == [1, 2, 3, 4])
    }

    /// A value that cannot be copied (like the cache index's state) lives in the lock and is changed in place.
    @Test func holdsNoncopyableValues() {
        struct Counter: ~Copyable { var n = 0 }
        let lock = Lock(Counter())
        lock.withLock { $0.n += 2 }
        #expect(lock.withLock { $0.n } == 2)
    }
}
