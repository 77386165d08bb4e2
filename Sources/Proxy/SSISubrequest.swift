/// An SSI include's subrequest (Subrequest.swift), through the same phases as any request — server rewrites, the
/// location search, the location's script, try_files and the handler — writing into the include's splice.
enum SSISubrequest {
    static func start(uri: [UInt8], args: [UInt8]?, parent: Request, include: SSIInclude) {
        let c = parent.connection
        guard let r = Subrequest.make(uri: uri, args: args, parent: parent, sink: include) else {
            include.failed = true
            return include.responseComplete()
        }
        include.subrequest = r
        r.ssi = SSIRequestState(main: parent.ssiMain ?? SSIMainContext(), depth: parent.ssiDepth - 1, include: include)
        c.answering(r) { Router.process(r, c) }
    }
}
