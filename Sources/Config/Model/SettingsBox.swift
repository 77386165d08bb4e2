/// The settings of a `LocationConfig` or `ServerConfig`, held by reference. Those configs are copied whenever one
/// is read out of its array (the runtime build walks 15,000 of them at 5,000 servers), and with HTTPSettings
/// inline each copy retained its 25 module boxes (CopyOnWrite.swift); now it is one retain. Immutable, so a read borrows the
/// settings in place (`@inlinable` reads, so other modules borrow too); a change (rare: the model is built once)
/// puts a changed copy in a new box.
@usableFromInline
final class SettingsBox: Sendable {
    @usableFromInline let value: HTTPSettings

    init(_ value: HTTPSettings) { self.value = value }
}
