import Synchronization

// The module's word-at-a-time helpers, its only pointer code: an array of atomic words (raw memory, since
// `Atomic` cannot live in a Swift array) and a byte compare that loads eight bytes at a time.

/// A fixed-size array of atomic 64-bit words. `Atomic` cannot live in a Swift array, so this owns
/// raw memory: allocated and initialised in `init`, torn down in `deinit`, never exposed.
final class AtomicWords: @unchecked Sendable {  // the pointee is atomics only; the pointer never changes
    private let base: UnsafeMutablePointer<Atomic<UInt64>>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        for index in 0..<count {
            (base + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func load(_ index: Int) -> UInt64 {
        precondition(index >= 0 && index < count)
        return base[index].load(ordering: .relaxed)
    }

    func store(_ index: Int, _ value: UInt64) {
        precondition(index >= 0 && index < count)
        base[index].store(value, ordering: .relaxed)
    }

    func add(_ index: Int, _ value: UInt64) {
        precondition(index >= 0 && index < count)
        base[index].wrappingAdd(value, ordering: .relaxed)
    }

    func setBits(_ index: Int, _ mask: UInt64) {
        precondition(index >= 0 && index < count)
        base[index].bitwiseOr(mask, ordering: .relaxed)
    }

    func compareExchange(_ index: Int, expected: UInt64, desired: UInt64) -> Bool {
        precondition(index >= 0 && index < count)
        return base[index].compareExchange(expected: expected, desired: desired, ordering: .relaxed).exchanged
    }
}

/// Whether two byte runs are equal, read eight bytes at a time and without an early exit: the signed-cookie
/// cache compares every request's cookie with a value it verified, and the generic element loop cost ten
/// instructions a byte (callgrind). Constant time in the contents, so the compare says nothing about how much of
/// another client's cookie a forger has guessed.
enum BytesEqual {
    static func same(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                var diff: UInt64 = 0
                var i = 0
                let n = pa.count
                while i + 8 <= n {
                    diff |= pa.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        ^ pb.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    i += 8
                }
                while i < n {
                    diff |= UInt64(pa[i] ^ pb[i])
                    i += 1
                }
                return diff == 0
            }
        }
    }
}
