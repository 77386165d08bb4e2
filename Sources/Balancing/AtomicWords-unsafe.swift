import Synchronization

/// A fixed-size array of atomic 64-bit words. `Atomic` cannot live in a Swift array, so this owns
/// raw memory: allocated and initialised in `init`, torn down in `deinit`, never exposed.
/// With `BytesEqual-unsafe.swift`, the module's only unsafe pointer code.
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
