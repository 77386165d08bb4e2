import Config
import HTTP1

/// A location's `dav_methods` and its companions at run time; nil where no method is named, so other locations'
/// requests never look further (the static handler asks only for a method it would refuse).
struct DAVRuntime {
    /// PUT, DELETE, MKCOL, COPY, MOVE as bits.
    private let methods: UInt8
    /// `dav_access`: the mode of files PUT makes.
    let access: UInt32
    let createFullPutPath: Bool
    let minDeleteDepth: Int

    init?(_ s: DAVSettings) {
        var bits: UInt8 = 0
        for m in s.methods { bits |= Self.bit(m) }
        guard bits != 0 else { return nil }
        methods = bits
        access = s.access
        createFullPutPath = s.createFullPutPath
        minDeleteDepth = s.minDeleteDepth
    }

    private static func bit(_ m: DAVMethod) -> UInt8 {
        switch m {
        case .off: 0
        case .put: 1
        case .delete: 2
        case .mkcol: 4
        case .copy: 8
        case .move: 16
        }
    }

    func handles(_ method: HTTPMethod) -> Bool {
        switch method {
        case .put: methods & 1 != 0
        case .delete: methods & 2 != 0
        case .mkcol: methods & 4 != 0
        case .copy: methods & 8 != 0
        case .move: methods & 16 != 0
        default: false
        }
    }

    /// The mode of directories made for the location (nginx's ngx_dir_access: a search bit wherever a read bit is).
    var directoryAccess: UInt32 { DAVRules.directoryAccess(access) }
}
