import Config
import Digest
import EventLoop
import Glibc

/// `auth_basic` + `auth_basic_user_file` of one location, compiled. Both must be set for the check to run, as
/// in nginx; a realm that evaluates to `off` turns it off for the request.
struct AuthBasicRuntime {
    let realm: CompiledTemplate
    let userFile: CompiledTemplate
    /// Where a relative user file is looked up (the main configuration file's directory), ending in `/`.
    let base: [UInt8]
}

/// nginx's ngx_http_auth_basic_handler for one request: who the `Authorization` header names, and whether the
/// user file holds that user with that password. Logs what nginx logs.
enum AuthBasicCheck {
    enum Outcome: Equatable {
        /// The realm evaluated to `off`: this module has no say.
        case declined
        case allowed
        /// 401 (with `WWW-Authenticate`), 403 (no user file) or 500 (unreadable file, broken hash).
        case refused(Int)
    }

    static func run(_ auth: AuthBasicRuntime, _ r: Request, _ c: ClientConnection) -> Outcome {
        let realm = r.evaluate(auth.realm)
        if realm == Array("off".utf8) { return .declined }
        guard let header = r.requestHeader("authorization"), let credentials = BasicAuth.credentials(of: header) else {
            c.worker.log(.info, "no user/password was provided for basic authentication", c)
            return challenge(realm, r)
        }
        var path = r.evaluate(auth.userFile)
        if path.first != UInt8(ascii: "/") { path = auth.base + path }
        let file: HtpasswdFile
        switch c.worker.htpasswd.file(at: path) {
        case .success(let f): file = f
        case .failure(let e):
            // nginx: a missing file refuses (403) at error level; any other failure is a 500 at crit.
            let missing = e.code == ENOENT
            c.worker.log(missing ? .error : .crit, "open() \"\(String(decoding: path, as: UTF8.self))\" failed (\(e.code): \(Syscall.describe(e.code)))", c)
            return .refused(missing ? 403 : 500)
        }
        guard let stored = file.entries[credentials.user] else {
            c.worker.log(.error, "user \"\(String(decoding: credentials.user, as: UTF8.self))\" was not found in \"\(String(decoding: path, as: UTF8.self))\"", c)
            return challenge(realm, r)
        }
        let matches: Bool
        switch HtpasswdHash.verify(credentials.password, against: stored) {
        case .match: matches = true
        case .mismatch: matches = false
        case .systemCrypt:
            guard let m = Syscall.cryptMatches(password: credentials.password, stored: stored) else {
                c.worker.log(.crit, "crypt_r() failed", c)
                return .refused(500)
            }
            matches = m
        }
        if matches { return .allowed }
        c.worker.log(.error, "user \"\(String(decoding: credentials.user, as: UTF8.self))\": password mismatch", c)
        return challenge(realm, r)
    }

    /// 401 with `WWW-Authenticate: Basic realm="…"` on whatever page answers it (error_page included).
    private static func challenge(_ realm: [UInt8], _ r: Request) -> Outcome {
        r.errorHeaders.append(static: "WWW-Authenticate: Basic realm=\"")
        r.errorHeaders.append(contentsOf: realm)
        r.errorHeaders.append(static: "\"\r\n")
        return .refused(401)
    }
}
