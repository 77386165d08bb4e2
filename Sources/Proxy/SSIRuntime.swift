import Config
import ASCIIBytes

/// A location's `ssi on` and its settings, frozen at load; nil on `LocationRuntime` when SSI is off, so a
/// location without it pays one nil test per response.
final class SSIRuntime: Sendable {
    /// `ssi_types`.
    let types: FilterTypes
    let lastModified: Bool
    let minFileChunk: Int
    let silentErrors: Bool
    let valueLength: Int
    /// The variables the configuration defines (`set`, named captures, `map`), by name: what an SSI command's
    /// `$name` reads when SSI did not set it.
    let names: SSIVariableNames

    init?(_ s: SSISettings, names: SSIVariableNames) {
        guard s.enabled else { return nil }
        types = FilterTypes(s.types)
        lastModified = s.lastModified
        minFileChunk = s.minFileChunk
        silentErrors = s.silentErrors
        valueLength = s.valueLength
        self.names = names
    }

    /// Whether a response of `contentType` (parameters after `;` ignored, case-insensitive) is processed.
    func applies(to contentType: ArraySlice<UInt8>) -> Bool { types.contains(contentType) }
}

/// The configuration's own variable names (`set` targets, named captures, `map`/`geo`/`split_clients` results),
/// lowercased, made once per runtime and shared by its SSI locations.
final class SSIVariableNames: Sendable {
    let byName: [[UInt8]: VariableID]
    init(userSlots: [String: Int], maps: [String: Int]) {
        var t: [[UInt8]: VariableID] = [:]
        for (name, index) in maps { t[Array(name.utf8)] = .mapResult(index) }
        for (name, slot) in userSlots { t[Array(name.utf8)] = .userVariable(slot) }
        byName = t
    }
}
