/// ngx_http_dav_module's settings: `dav_methods`, `dav_access`, `create_full_put_path`, `min_delete_depth`.
public struct DAVSettings: Sendable {
    /// `dav_methods`: the words written, `off` included (nginx keeps it as a bit of its own, so a level that says
    /// `off` does not inherit its parent's methods). Empty: not set anywhere.
    @Setting public var methods: Set<DAVMethod> = []
    /// `dav_access`: the permissions of files PUT creates (directories get the matching search bits).
    @Setting public var access: UInt32 = 0o600
    /// `create_full_put_path`: a PUT creates the missing directories of its path.
    @Setting public var createFullPutPath: Bool = false
    /// `min_delete_depth`: a DELETE needs at least this many path elements.
    @Setting public var minDeleteDepth: Int = 0

    public init() {}
}

/// A word of `dav_methods`.
public enum DAVMethod: String, Sendable, Hashable, CaseIterable {
    case off, put, delete, mkcol, copy, move
}

/// `dav_access user:rw group:r all:r` (and `proxy_store_access`), read as nginx's ngx_conf_set_access_slot reads it.
public enum DAVAccess {
    /// The mode the words make, or the index of the first word that is not `user:`, `group:` or `all:` followed
    /// by `r` or `rw`. Without a `user:` word the owner gets `rw`.
    public struct Invalid: Error, Equatable {
        public let index: Int
    }

    public static func parse(_ words: [String]) -> Result<UInt32, Invalid> {
        var access: UInt32 = 0
        var user: UInt32 = 0o600
        for (i, word) in words.enumerated() {
            let shift: UInt32
            let rest: Substring
            if word.hasPrefix("user:") {
                shift = 6; rest = word.dropFirst(5); user = 0
            } else if word.hasPrefix("group:") {
                shift = 3; rest = word.dropFirst(6)
            } else if word.hasPrefix("all:") {
                shift = 0; rest = word.dropFirst(4)
            } else {
                return .failure(Invalid(index: i))
            }
            switch rest {
            case "rw": access |= 6 << shift
            case "r": access |= 4 << shift
            default: return .failure(Invalid(index: i))
            }
        }
        return .success(access | user)
    }
}
