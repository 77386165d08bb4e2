/// A value that a configuration level either sets or inherits, nginx's `NGX_CONF_UNSET` idea.
/// Read it as a plain property; `$name.isSet` tells whether this level wrote it.
///
///     @Setting public var connectTimeout: Duration = .seconds(60)
///     settings.proxy.connectTimeout      // the effective value after merge
///     settings.proxy.$connectTimeout.isSet
@propertyWrapper
public struct Setting<Value: Sendable>: Sendable {
    public var wrappedValue: Value
    /// Whether a directive at this level (or, after merge, an ancestor) set the value.
    public private(set) var isSet: Bool

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
        self.isSet = false
    }

    public var projectedValue: Setting<Value> {
        get { self }
        set { self = newValue }
    }

    /// What a directive does: store the value and mark it set.
    public mutating func set(_ value: Value) {
        wrappedValue = value
        isSet = true
    }

    /// nginx's merge: a level that did not set the value takes its parent's (set or default).
    public mutating func inherit(from parent: Setting<Value>) {
        if !isSet { self = parent }
    }
}

extension Setting: Equatable where Value: Equatable {}
