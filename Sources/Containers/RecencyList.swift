/// Values kept most recently used first, in one array: a doubly linked list by slot number, so an insert, a move
/// to the front and a removal are O(1), with no object per entry; a removed slot is reused by the next insert.
/// A slot number stays valid until its removal.
///
/// The LRU tables (sticky learn's and the failback table's `BoundedLRU`, limit_req's `RequestLimitTable`, the
/// cache index) each keep their own key → slot index and their own rules over this one list.
///
///     var list = RecencyList<String>()
///     let a = list.insertFront("a"), b = list.insertFront("b")   // b, a
///     list.moveToFront(a)                                       // a, b
///     list.tail == b; list.remove(b)                            // a
public struct RecencyList<Element> {
    @usableFromInline
    struct Link {
        @usableFromInline var element: Element
        @usableFromInline var newer: Int
        @usableFromInline var older: Int
        @inlinable init(_ element: Element, older: Int) { self.element = element; newer = -1; self.older = older }
    }

    @usableFromInline var links: [Link] = []
    @usableFromInline var free: [Int] = []
    @usableFromInline var first = -1
    @usableFromInline var last = -1
    /// The most recently used slot; -1 when the list is empty.
    @inlinable public var head: Int { first }
    /// The least recently used slot; -1 when the list is empty.
    @inlinable public var tail: Int { last }

    @inlinable public init() {}

    /// The element of a slot. Borrowed, not copied out: a field read (`list[slot].entry`) does not copy the
    /// whole element.
    @inlinable
    public subscript(slot: Int) -> Element {
        _read { yield links[slot].element }
        _modify { yield &links[slot].element }
    }

    /// The slot used just after `slot`, towards the head; -1 at the head. A walk from `tail` that may remove
    /// what it visits reads this first.
    @inlinable
    public func newer(than slot: Int) -> Int { links[slot].newer }

    /// Stores `element` as the most recently used; returns its slot.
    @inlinable @discardableResult
    public mutating func insertFront(_ element: Element) -> Int {
        let slot: Int
        if let reused = free.popLast() {
            links[reused] = Link(element, older: first)
            slot = reused
        } else {
            links.append(Link(element, older: first))
            slot = links.count - 1
        }
        if first >= 0 { links[first].newer = slot }
        first = slot
        if last < 0 { last = slot }
        return slot
    }

    @inlinable
    public mutating func moveToFront(_ slot: Int) {
        guard first != slot else { return }
        unlink(slot)
        links[slot].older = first
        if first >= 0 { links[first].newer = slot }
        first = slot
        if last < 0 { last = slot }
    }

    /// Takes `slot` out of the list and frees it for the next insert. Its element stays until then, so a table
    /// reads what it needs first, and clears what it should not keep alive (keys, values) itself.
    @inlinable
    public mutating func remove(_ slot: Int) {
        unlink(slot)
        free.append(slot)
    }

    @inlinable
    mutating func unlink(_ slot: Int) {
        let (newer, older) = (links[slot].newer, links[slot].older)
        if newer >= 0 { links[newer].older = older } else { first = older }
        if older >= 0 { links[older].newer = newer } else { last = newer }
        links[slot].newer = -1
        links[slot].older = -1
    }
}

extension RecencyList: Sendable where Element: Sendable {}
extension RecencyList.Link: Sendable where Element: Sendable {}
