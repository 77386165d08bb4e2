/// One module's group inside `HTTPSettings`, held by reference and copied on its first write. A level that
/// writes nothing of a module shares the group with the level above (`share` hands the parent's box down), so a
/// server or location costs a pointer per untouched module instead of a copy of all of them: inline,
/// HTTPSettings was 6.4 KB, and copying it into 20,000 levels was a quarter of `-t` at 5,000 servers
/// (BENCHMARKS.md, config_load).
@dynamicMemberLookup
public struct CopyOnWrite<Group: Sendable>: Sendable {
    /// Written only while uniquely referenced (`value`'s modify), so sharing it across threads is safe.
    @usableFromInline final class Box: @unchecked Sendable {
        @usableFromInline var value: Group
        @usableFromInline init(_ value: Group) { self.value = value }
    }

    @usableFromInline var box: Box

    init(_ value: Group) { box = Box(value) }

    @inlinable public var value: Group {
        _read { yield box.value }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.value) }
            yield &box.value
        }
    }

    /// One field, for the directive table's key paths (`\.modules.proxy.$readTimeout`): a key path writes a
    /// computed component by reading it out and setting it back, so through `HTTPSettings.proxy` each directive
    /// copied the whole group twice; through this subscript it copies the one setting.
    public subscript<Field>(dynamicMember path: WritableKeyPath<Group, Field>) -> Field {
        get { box.value[keyPath: path] }
        set {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.value) }
            box.value[keyPath: path] = newValue
        }
    }

    /// nginx's merge of one module. A group still in `unset`'s box was never written at this level, so the
    /// merge's result is the parent's group itself: share it. `inheritsWhole` says whether that holds for the
    /// parent's group: a module with fields a level does not inherit (`internal`, `try_files`) shares only a
    /// parent's that left them unset, and is merged field by field otherwise.
    mutating func share(from parent: CopyOnWrite, unset: CopyOnWrite, inheritsWhole: (Group) -> Bool = { _ in true },
                        merge: (inout Group, Group) -> Void) {
        if box === parent.box { return }
        if box === unset.box && inheritsWhole(parent.value) { box = parent.box; return }
        merge(&value, parent.value)
    }
}
