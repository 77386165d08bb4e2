import Config

/// A location's `add_before_body` / `add_after_body` and `addition_types`, frozen at load; nil on `LocationRuntime`
/// when neither URI is set (or both are `""`), so a location without them pays nothing per response.
final class AdditionRuntime: Sendable {
    /// The subrequests' URIs, as written (nginx makes the subrequest with the string as its URI); nil: none.
    let before: [UInt8]?
    let after: [UInt8]?
    /// `addition_types`.
    let types: FilterTypes

    init?(_ s: AdditionSettings) {
        guard !s.beforeBody.isEmpty || !s.afterBody.isEmpty else { return nil }
        before = s.beforeBody.isEmpty ? nil : Array(s.beforeBody.utf8)
        after = s.afterBody.isEmpty ? nil : Array(s.afterBody.utf8)
        types = FilterTypes(s.types)
    }

    /// nginx's header filter: a main request's 200 whose Content-Type is listed.
    func applies(to r: Request, status: Int, contentType: ArraySlice<UInt8>) -> Bool {
        status == 200 && !r.isSubrequest && types.contains(contentType)
    }
}
