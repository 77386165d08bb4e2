import Config
import EventLoop
import Limits
import Locking

/// `$limit_req_status` / `$limit_conn_status` (nginx's r->main->limit_*_status): set once per request, so an
/// internal redirect is not limited again.
enum LimitStatus: UInt8 {
    case unset, passed, delayed, rejected, delayedDryRun, rejectedDryRun

    /// The variable's value; empty (not found) while unset.
    var text: [UInt8] { LimitStatus.names[Int(rawValue)] }

    private static let names: [[UInt8]] = ["", "PASSED", "DELAYED", "REJECTED", "DELAYED_DRY_RUN", "REJECTED_DRY_RUN"]
        .map { Array($0.utf8) }
}

/// A request limit_conn counted, given back when the request ends (`Request.releaseConnectionHolds`).
struct ConnectionHold {
    let zone: ConnectionLimitZone
    let key: [UInt8]
}

/// nginx's pre-access handlers of ngx_http_limit_req_module and ngx_http_limit_conn_module, in nginx's order
/// (limit_req first). The decisions are Limits' (`RequestLimiter`, the zone tables); this file evaluates the
/// keys, logs as nginx does, and answers.
enum LimitPhase {
    enum Outcome {
        case proceed
        /// Refused: the error page went out.
        case answered
        /// limit_req asked the request to wait this many milliseconds before going on.
        case delayed(Int)
    }

    static func requests(_ l: LimitsRuntime, _ r: Request, _ c: ClientConnection) -> Outcome {
        if l.requests.isEmpty || r.limitReqStatus != .unset { return .proceed }
        let now = Int64(Clock.eventNanos() / 1_000_000)
        let verdict = RequestLimiter.check(l.requests, now: now) { i in
            key(l.requestKeys[i], text: l.requestKeyTexts[i], longest: 65535, r, c)
        }
        let dry = l.requestDryRun ? ", dry run" : ""
        switch verdict {
        case .untouched:
            return .proceed
        case .passed:
            r.limitReqStatus = .passed
            return .proceed
        case .delayed(let millis, let excess, let zone):
            c.worker.log(l.requestDelayLogLevel,
                         "delaying request\(dry), excess: \(thousandths(excess)), by zone \"\(zone)\"", c)
            r.limitReqStatus = l.requestDryRun ? .delayedDryRun : .delayed
            return l.requestDryRun ? .proceed : .delayed(millis)
        case .rejected(let excess, let zone):
            c.worker.log(l.requestLogLevel, "limiting requests\(dry), excess: \(thousandths(excess)) by zone \"\(zone)\"", c)
        case .noMemory(let zone):
            c.worker.log(.alert, "could not allocate node in limit_req zone \"\(zone)\"", c)
        }
        if l.requestDryRun {
            r.limitReqStatus = .rejectedDryRun
            return .proceed
        }
        r.limitReqStatus = .rejected
        refuse(l.requestStatus, r, c)
        return .answered
    }

    /// False when the request was refused (the error page went out).
    static func connections(_ l: LimitsRuntime, _ r: Request, _ c: ClientConnection) -> Bool {
        if l.connections.isEmpty || r.limitConnStatus != .unset { return true }
        for limit in l.connections {
            guard let k = key(limit.key, text: limit.keyText, longest: 255, r, c) else { continue }
            r.limitConnStatus = .passed
            switch limit.zone.table.withLock({ $0.acquire(k, limit: limit.count) }) {
            case .acquired:
                r.connectionHolds.append(ConnectionHold(zone: limit.zone, key: k))
                continue
            case .overLimit:
                let dry = l.connectionDryRun ? ", dry run," : ""
                c.worker.log(l.connectionLogLevel, "limiting connections\(dry) by zone \"\(limit.zone.name)\"", c)
            case .noMemory:
                c.worker.log(.alert, "could not allocate node in limit_conn zone \"\(limit.zone.name)\"", c)
            }
            r.releaseConnectionHolds()
            if l.connectionDryRun {
                r.limitConnStatus = .rejectedDryRun
                return true
            }
            r.limitConnStatus = .rejected
            refuse(l.connectionStatus, r, c)
            return false
        }
        return true
    }

    /// The refusal's error page; for 444 none: the connection closes with nothing sent, as with `return 444`
    /// (nginx finalizes the request with NGX_HTTP_CLOSE, which no error_page catches).
    private static func refuse(_ status: Int, _ r: Request, _ c: ClientConnection) {
        if status == 444 { return RewriteScript.closeUnanswered(444, r, c) }
        c.sendError(status, closeAfter: false)
    }

    /// A zone's key for this request; nil when empty (the limit does not apply) or longer than nginx allows.
    private static func key(_ t: CompiledTemplate, text: String, longest: Int, _ r: Request, _ c: ClientConnection) -> [UInt8]? {
        let k = r.evaluate(t)
        if k.isEmpty { return nil }
        if k.count > longest {
            c.worker.log(.error, "the value of the \"\(text)\" key is more than \(longest) bytes: \"\(String(decoding: k, as: UTF8.self))\"", c)
            return nil
        }
        return k
    }

    /// nginx's `%ui.%03ui` of an excess in thousandths.
    static func thousandths(_ n: Int) -> String {
        let fraction = String(n % 1000)
        return "\(n / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

extension Request {
    /// limit_conn's counts of this request, given back once (at its end, or when a later limit refuses it).
    func releaseConnectionHolds() {
        for h in connectionHolds { h.zone.table.withLock { $0.release(h.key) } }
        connectionHolds.removeAll(keepingCapacity: true)
    }
}
