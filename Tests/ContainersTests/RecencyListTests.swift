import Containers
import Testing

/// The list from its head, read from the tail by the newer links; `head` must be where that walk ends.
private func order<T>(_ list: RecencyList<T>) -> [String] {
    var fromTail: [String] = []
    var slot = list.tail, last = -1
    while slot >= 0 {
        fromTail.append("\(list[slot])")
        last = slot
        slot = list.newer(than: slot)
    }
    #expect(last == list.head)
    return fromTail.reversed()
}

struct RecencyListTests {
    @Test func insertsAtTheFrontAndMovesAUsedSlotThere() {
        var list = RecencyList<String>()
        #expect(list.head == -1 && list.tail == -1)
        let a = list.insertFront("a"), b = list.insertFront("b"), c = list.insertFront("c")
        #expect(order(list) == ["c", "b", "a"])
        #expect(list.head == c && list.tail == a)
        list.moveToFront(a)
        #expect(order(list) == ["a", "c", "b"] && list.tail == b)
        list.moveToFront(a)   // already the head
        list.moveToFront(c)
        #expect(order(list) == ["c", "a", "b"] && list.head == c)
    }

    @Test func removesFromAnywhereAndReusesTheSlot() {
        var list = RecencyList<String>()
        let a = list.insertFront("a"), b = list.insertFront("b"), c = list.insertFront("c")
        list.remove(b)
        #expect(order(list) == ["c", "a"])
        list.remove(a)   // the tail
        #expect(order(list) == ["c"] && list.tail == c && list.head == c)
        let d = list.insertFront("d")
        #expect(d == a || d == b)   // a freed slot, not a new one
        #expect(order(list) == ["d", "c"])
        list.remove(d)   // the head
        list.remove(c)   // the last
        #expect(list.head == -1 && list.tail == -1 && order(list).isEmpty)
        list.insertFront("e")
        #expect(order(list) == ["e"])
    }

    @Test func anElementIsChangedInPlace() {
        var list = RecencyList<[Int]>()
        let s = list.insertFront([1])
        list[s].append(2)
        #expect(list[s] == [1, 2])
    }

    /// A walk from the cold end that removes as it goes (the cache manager's and the zone expiry's shape).
    @Test func aWalkFromTheTailMayRemoveWhatItVisits() {
        var list = RecencyList<Int>()
        for i in 0..<6 { list.insertFront(i) }   // 5 … 0
        var slot = list.tail
        while slot >= 0 {
            let next = list.newer(than: slot)
            if list[slot] % 2 == 0 { list.remove(slot) }
            slot = next
        }
        #expect(order(list) == ["5", "3", "1"])
    }
}
