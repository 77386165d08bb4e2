import HTTP1

/// Whether `ssi on` applies to a proxied response: its Content-Type is in `ssi_types` and its body is not empty
/// (nginx's SSI header filter leaves a `Content-Length: 0` response alone).
enum SSIProxyStage {
    static func applies(_ r: Request, _ resp: ResponseHead) -> SSIRuntime? {
        guard let s = r.location.ssi, resp.contentLength != 0,
              let type = resp.firstHeader("content-type"), s.applies(to: type) else { return nil }
        return s
    }
}
