import Config
import Cache
import EventLoop
import Gzip
import HTTP1
import ASCIIBytes
import Digest

/// One try at an upstream server, for `$upstream_addr`, `$upstream_status` and the timings (nginx lists every try).
struct UpstreamTry {
    var address: [UInt8]
    var status: Int = 0               // 0 until a response head arrived (printed as 502/504 by cause, else "-")
    // .max: not reached in this try (nginx prints "-"): no connection, no head, or the try still running.
    var connectNanos: UInt64 = .max
    var headerNanos: UInt64 = .max
    var responseNanos: UInt64 = .max
    var failedStatus: Int = 0         // what nginx prints when no head arrived: 502 or 504
    var bytesReceived: Int64 = 0      // $upstream_bytes_received: everything read from the upstream
    var bytesSent: Int64 = 0          // $upstream_bytes_sent: the request head and body written
}

/// The state of the request a connection is serving, reset between requests. A connection gives it back to
/// its worker while it idles (`Worker.recycle`), and the next request of any connection takes one from there, so
/// keep-alive traffic allocates no request object and keeps the arrays' capacity.
final class Request {
    unowned(unsafe) var connection: ClientConnection
    /// Where the response goes (ResponseSink.swift): the connection, or the parent's SSI splice for a
    /// subrequest. unowned(unsafe) like `connection`: the connection, or the splice's parent request, outlives it.
    unowned(unsafe) var sink: any ResponseSink
    var head: RequestHead!
    var server: ServerRuntime!
    var location: LocationRuntime!
    var uri: [UInt8] = []             // $uri: normalized, possibly rewritten
    var args: ArraySlice<UInt8> = []  // $args
    var hasArgs = false
    // Bools here share hasArgs' padding: a larger Request cost ~100 instructions a request in malloc (callgrind).
    /// `$pipe`: the request arrived behind another one on the connection, before that one was answered.
    var pipelined = false
    /// `HTTP/1.1 100 Continue` went out: the client was asked for its body, which then comes.
    var continueSent = false
    /// False once a `break` keeps a URI a rewrite changed in this location (nginx's valid_location).
    var validLocation = true
    /// Reached by an internal redirect or a rewrite of the URI (nginx's r->internal): `internal` locations serve
    /// only such requests.
    var isInternal = false
    /// An error_page is being served (nginx's r->error_page): no other one unless recursive_error_pages.
    var servingErrorPage = false
    /// `userAgentFlags` once read: nil until something asks, so a request nothing asks about never scans its head.
    private var userAgentMemo: UserAgentFlags? = nil
    /// error_page's internal redirect turned the method into GET (a HEAD stays HEAD), as nginx does.
    var methodIsGET = false
    /// A subrequest (Subrequest.swift: an SSI include, auth_request): it writes into its sink, not the client, and
    /// skips the access phase.
    var isSubrequest = false
    /// try_files found the file under a regex location's alias: the URI goes after the alias path.
    var addURIToAlias = false
    /// A proxied try read the request body and its answer was replaced by an error_page (not sent again).
    var bodyConsumed = false
    /// A declared body over client_max_body_size was refused with 413 (nginx discards it then): the location of
    /// that 413's error_page does not refuse it again.
    var bodyRefused = false
    /// A rewrite or an internal redirect replaced `$uri` (nginx's valid_unparsed_uri cleared): proxy_pass without
    /// a URI part sends `$uri` and `$args` then, not the request line's URI.
    var uriReplaced = false
    /// `$limit_req_status` and `$limit_conn_status` (LimitPhase.swift); set, each module has had its say.
    var limitReqStatus = LimitStatus.unset
    var limitConnStatus = LimitStatus.unset
    /// The Location of a redirect an error_page took over: its answer still carries it (nginx's headers_out).
    var pendingLocation: [UInt8]? = nil
    /// The status an error_page answer goes out with (nginx's err_status); 0: the response's own.
    var errorStatus = 0
    var captures: [[UInt8]] = []      // $0..$9 of the last regex match
    var userVariables: [[UInt8]?] = []
    /// Non-volatile `map` results already computed for this request, by map index (MapRuntime.value).
    var mapValues: [[UInt8]?] = []
    var startNanos: UInt64 = 0
    var status = 0
    /// `$body_bytes_sent`: what went to the client after the head, as nginx counts it (sent less the head's
    /// size): chunk framing, compressed bytes and multipart boundaries as they were sent.
    var bodyBytesSent: Int64 { max(0, bytesSent - Int64(responseHead.count)) }
    /// `$request_body`: the body when it was buffered in memory for proxy_pass (shared with RequestBody's buffer).
    var requestBody: [UInt8] = []
    /// A mirror subrequest's copy of the client's body (MirrorPhase.swift): its proxy sends this.
    var mirroredBody: MirroredBody?
    /// `mirror` whose subrequests wait for this request's body, read whole by its proxy first (MirrorPhase.swift).
    var mirrorsAwaitingBody: MirrorRuntime?
    /// `$request_body_file`: the temp file's name when the body went to one.
    var requestBodyFile: [UInt8] = []
    /// The length of a chunked body once read whole, for `$content_length` (nginx's content_length_n); -1 unread.
    var chunkedBodyLength: Int64 = -1
    var bytesSent: Int64 = 0
    var requestLength: Int64 = 0
    var tries: [UpstreamTry] = []
    var upstreamResponse: ResponseHead?
    var upstreamResponseLength: Int64 = 0
    /// proxy_store: the temp file this request's 200 is copied into while it streams (ProxyStore.swift). Here
    /// rather than on the exchange, which must stay within glibc's fast allocation size.
    var storeFile: FileCacheWriter?
    var cacheStatus: [UInt8]? = nil
    var responseHead: [UInt8] = []    // the head sent to the client, for $sent_http_*
    /// The head a proxied request sends upstream (ProxyExchange): kept here, like `responseHead`, so its
    /// capacity serves the next request and building a head allocates nothing.
    var upstreamHead: [UInt8] = []
    /// The trailer block being sent (`0\r\nName: value\r\n…`), for `$sent_trailer_*`: set only while an
    /// `add_trailer` that reads one is evaluated.
    var responseTrailers: [UInt8] = []
    /// Fields an intercepted upstream error keeps on the error page (a 401's WWW-Authenticate).
    var errorHeaders: [UInt8] = []
    /// What an upstream's X-Accel-Redirect carries onto the response it redirects to (nginx's `redirect` header
    /// list): Set-Cookie, Content-Disposition, Cache-Control, Expires and Accept-Ranges lines, and its
    /// Content-Type, which the redirected response takes instead of its own.
    var carriedHeaders: [UInt8] = []
    var carriedContentType: [UInt8]? = nil
    var proxy: ProxyRuntime?
    /// The evaluated `proxy_pass` URL when it has variables ($proxy_host, $proxy_port, the URI sent upstream).
    var dynamicURL: DynamicProxyURL?
    var gzipRatio: GzipRatio? = nil   // $gzip_ratio, formatted (by the Gzip module) only when a log asks
    /// URI changes so far, nginx's one count (r->uri_changes) for `rewrite … last` cycles and internal redirects
    /// alike: the 11th is a 500.
    var uriChanges = 0
    /// `$limit_rate`: bytes per second, 0 for no limit, -1 until the first send reads the location's limit_rate.
    var limitRate = -1
    var limitRateAfter: Int64 = 0
    /// Bytes written to the socket while a rate applies (what the rate is measured against).
    var rateSent: Int64 = 0
    private var requestID: [UInt8]? = nil
    /// The client address realip found (ClientIdentity.swift); nil: the connection's peer.
    var realClient: RealClient? = nil
    /// The bytes an IPv4 `realClient` uses, kept across keep-alive requests (ClientIdentity.swift).
    var realClientV4: [UInt8] = []
    /// A served file's path, rewritten in place for each request (`StaticRuntime.path(for:)`).
    var filePath: [UInt8] = []
    /// realClient's `$remote_addr` text, once read.
    var realClientText: [UInt8]? = nil
    /// What limit_conn counted for this request, given back when it ends (LimitPhase.swift).
    var connectionHolds: [ConnectionHold] = []
    /// SSI: the context shared with the main request, the subrequest depth and splice (SSIInclude.swift); nil
    /// for a request that neither runs SSI nor is a subrequest.
    var ssi: SSIRequestState? = nil
    /// `$secure_link_expires`: the expiry `$secure_link` read from the link, as nginx keeps it for the request
    /// once that variable was evaluated.
    var secureLinkExpires: [UInt8]? = nil
    /// The visitor ids of `userid` (UserIDFilter.swift), made at their first use.
    var userID: UserIDState? = nil
    /// `$slice_range`: `bytes=START-END` of the slice this request fetches (SliceDriver.swift); nil outside `slice`.
    var sliceRange: [UInt8]? = nil
    /// `$request_completion`: whether the response went out whole (nginx's r->request_complete); `cut` once an
    /// upstream's answer broke off after its head was sent.
    enum Completion { case open, cut, complete }
    var completion = Completion.open

    init(connection: ClientConnection) { self.connection = connection; self.sink = connection }

    func reset() {
        head = nil; server = nil; location = nil
        uri.removeAll(keepingCapacity: true); args = []; hasArgs = false
        // Each removeAll costs a generic call even on an empty array: most requests leave these empty.
        if !captures.isEmpty { captures.removeAll(keepingCapacity: true) }
        for i in userVariables.indices { userVariables[i] = nil }
        for i in mapValues.indices { mapValues[i] = nil }
        status = 0; bytesSent = 0; requestLength = 0; completion = .open
        if !requestBody.isEmpty { requestBody = [] }
        if mirroredBody != nil { mirroredBody = nil }
        if mirrorsAwaitingBody != nil { mirrorsAwaitingBody = nil }
        if !requestBodyFile.isEmpty { requestBodyFile = [] }
        chunkedBodyLength = -1
        if !tries.isEmpty { tries.removeAll(keepingCapacity: true) }
        upstreamResponse = nil; upstreamResponseLength = 0; cacheStatus = nil
        if storeFile != nil { storeFile = nil }   // dropped unfinished: the writer removes its temp file
        // A buffer a small file's body grew (StaticFiles.sendSmall) is not kept either.
        if responseHead.capacity > 32 * 1024 { responseHead = [] } else if !responseHead.isEmpty { responseHead.removeAll(keepingCapacity: true) }
        proxy = nil; dynamicURL = nil; gzipRatio = nil; uriChanges = 0; uriReplaced = false
        // A head buffer grown large (proxy_set_body, huge fields) is not kept for the next request.
        if upstreamHead.capacity > 16 * 1024 { upstreamHead = [] } else if !upstreamHead.isEmpty { upstreamHead.removeAll(keepingCapacity: true) }
        pipelined = false; continueSent = false; validLocation = true
        isInternal = false; isSubrequest = false; servingErrorPage = false; methodIsGET = false; addURIToAlias = false; errorStatus = 0
        userAgentMemo = nil
        bodyConsumed = false; bodyRefused = false; pendingLocation = nil
        requestID = nil; realClient = nil; realClientText = nil
        if !responseTrailers.isEmpty { responseTrailers = [] }
        if !errorHeaders.isEmpty { errorHeaders = [] }
        if !carriedHeaders.isEmpty || carriedContentType != nil { carriedHeaders = []; carriedContentType = nil }
        limitRate = -1; limitRateAfter = 0; rateSent = 0
        limitReqStatus = .unset; limitConnStatus = .unset
        if !connectionHolds.isEmpty { releaseConnectionHolds() }   // the connection gave them back already
        if ssi != nil { ssi = nil }
        if secureLinkExpires != nil { secureLinkExpires = nil }
        if userID != nil { userID = nil }
        if sliceRange != nil { sliceRange = nil }
    }

    // MARK: - Variables

    func evaluate(_ t: CompiledTemplate, into out: inout [UInt8]) {
        for p in t.parts {
            switch p {
            case .literal(let b): out.append(contentsOf: b)
            case .variable(let v): append(v, to: &out)
            case .capture(let n): if n < captures.count { out.append(contentsOf: captures[n]) }
            }
        }
    }

    func evaluate(_ t: CompiledTemplate) -> [UInt8] {
        if let c = t.constant { return c }
        // A key that is the client's address alone (limit_req_zone, limit_conn_zone, map, hash): the bytes the
        // request already holds, not a copy.
        if t.parts.count == 1, case .variable(let v) = t.parts[0] {
            if case .binaryRemoteAddr = v { return clientAddressBytes }
            if case .remoteAddr = v { return remoteAddrText }
        }
        var out: [UInt8] = []
        evaluate(t, into: &out)
        return out
    }

    /// `evaluate(_:)` into room for `capacity` bytes reserved first: one allocation for a value of several parts
    /// (a cache key), where appending part by part regrew it. Not the default: an empty value (a `bypass`
    /// variable, mostly unset) would pay an allocation it never had.
    func evaluate(_ t: CompiledTemplate, reserving capacity: Int) -> [UInt8] {
        if t.constant != nil || t.parts.count == 1 { return evaluate(t) }   // nothing to regrow
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        evaluate(t, into: &out)
        return out
    }

    /// nginx's browser flags of the first User-Agent (keepalive_disable, gzip_disable msie6, msie_refresh,
    /// msie_padding, `$msie`), read from the head at the first ask.
    var userAgentFlags: UserAgentFlags {
        if let known = userAgentMemo { return known }
        guard let head else { return [] }   // not kept: a head may yet come
        let flags = UserAgentFlags(head: head)
        userAgentMemo = flags
        return flags
    }

    /// A request header by literal name, case-insensitively, with no allocation.
    func requestHeader(_ name: StaticString) -> ArraySlice<UInt8>? { head?.firstHeader(name) }

    func requestHeader(_ lowercasedName: [UInt8]) -> ArraySlice<UInt8>? {
        guard let head else { return nil }
        for h in head.headers where ASCII.equalsIgnoringCase(head.bytes(h.name), lowercasedName) {
            return head.bytes(h.value)
        }
        return nil
    }

    /// `$host`: the Host header without port, lowercased; else the server name.
    func hostBytes() -> [UInt8] {
        var out: [UInt8] = []
        appendHost(to: &out)
        return out
    }

    /// `$host` appended in place (a cache key or a header value needs no copy of its own).
    func appendHost(to out: inout [UInt8]) {
        // The absolute-form target's host first, then the Host header (nginx's $host, RFC 9112 §3.2.2).
        guard let range = head?.hostRange else { out.append(contentsOf: server?.name ?? []); return }
        // nginx's ngx_http_validate_host: no port, no trailing dot, lowercase (a `[v6]` literal kept whole).
        let h = head.bytes(range)
        let n = h.withByteView { HostName.hostLength($0) } ?? h.count
        for c in h.prefix(n) { out.append(ASCII.lower(c)) }
    }

    private func setOnlyName(_ slot: Int) -> [UInt8]? {
        let names = connection.runtime.setOnlyVariableNames
        return slot < names.count ? names[slot] : nil
    }

    /// Whether an empty value of `v` is one nginx found (an empty string), not a variable that is not there
    /// (which a log writes as `-`). Asked only for empty values, so the usual line pays nothing.
    func isFoundEmpty(_ v: VariableID) -> Bool {
        switch v {
        case .uri: return head != nil
        // nginx's getters: empty args are not found ("-"), an empty `?x=` or `x=` cookie is; $host and
        // $server_name always are (an empty one logs nothing).
        case .args: return false
        case .arg(let name): return QueryArgs.value(named: name, in: args) != nil
        case .cookie(let name): return cookie(name) != nil
        case .host, .serverName: return true
        case .isArgs, .mapResult, .http2, .invalidReferer, .invalidRefererSet, .uidReset, .browser, .browserSet,
             .requestCompletion: return true
        // A variable only `set` declares reads as an empty value before it is set (nginx's rewrite getter).
        case .userVariable(let slot):
            return slot < userVariables.count && userVariables[slot] != nil || setOnlyName(slot) != nil
        case .httpHeader(let name): return head?.firstHeader(name) != nil
        case .sentHTTPHeader(let name): return HeaderScan.value(of: name, inHead: responseHead) != nil
        default: return false
        }
    }

    func append(_ v: VariableID, to out: inout [UInt8]) {
        let c = connection
        switch v {
        case .remoteAddr: out.append(contentsOf: remoteAddrText)
        case .remotePort:
            let port = realClient?.port ?? c.peer.port
            if port != 0 { ASCIIDecimal.append(Int(port), to: &out) }
        case .proxyProtocolAddr: if let pp = c.proxyProtocol { out.append(contentsOf: pp.sourceText) }
        case .proxyProtocolPort: if let pp = c.proxyProtocol { ASCIIDecimal.append(Int(pp.sourcePort), to: &out) }
        case .proxyProtocolServerAddr: if let pp = c.proxyProtocol { out.append(contentsOf: pp.destinationText) }
        case .proxyProtocolServerPort: if let pp = c.proxyProtocol { ASCIIDecimal.append(Int(pp.destinationPort), to: &out) }
        case .proxyProtocolTLV(let name): c.proxyProtocol?.appendTLV(name, to: &out, connection: c)
        case .limitReqStatus: out.append(contentsOf: limitReqStatus.text)
        case .limitConnStatus: out.append(contentsOf: limitConnStatus.text)
        case .realIPRemoteAddr: out.append(contentsOf: c.peerText)
        case .realIPRemotePort: if c.peer.port != 0 { ASCIIDecimal.append(Int(c.peer.port), to: &out) }
        case .remoteUser: if let v = requestHeader("authorization") { BasicAuth.appendUser(of: v, to: &out) }
        case .binaryRemoteAddr: out.append(contentsOf: clientAddressBytes)
        case .host: appendHost(to: &out)
        case .hostname: out.append(contentsOf: ProcessInfo.hostname)
        case .httpHeader(let name): head.appendJoinedValues(of: name, to: &out)
        case .sentHTTPHeader(let name):
            HeaderScan.appendValues(of: name, inHead: responseHead, to: &out)
        case .sentTrailer(let name):
            HeaderScan.appendValues(of: name, inHead: responseTrailers, to: &out)
        case .cookie(let name):
            if let value = cookie(name) { out.append(contentsOf: value) }
        case .arg(let name): if let value = QueryArgs.value(named: name, in: args) { out.append(contentsOf: value) }
        case .args: out.append(contentsOf: args)
        case .isArgs: if !args.isEmpty { out.append(UInt8(ascii: "?")) }   // nginx: "?" only with args
        case .uri: out.append(contentsOf: uri)
        case .requestURI:   // nginx's unparsed URI: no scheme and host of an absolute-form target
            // A subrequest reads its main request's (nginx copies unparsed_uri and request_line into it).
            let head: RequestHead = isSubrequest ? mainRequest.head : head
            if head.path.isEmpty && head.targetForm == .absolute { out.append(UInt8(ascii: "/")) }
            out.append(contentsOf: head.bytes(head.requestURI))
        case .request:
            let main = isSubrequest ? mainRequest : self
            // A head that could not be read shows its first line as it came (nginx's request_start fallback).
            if main.head.isUnparsed { out.append(contentsOf: main.head.bytes); break }
            out.append(contentsOf: main.head.bytes(main.head.methodRange)); out.append(32)
            out.append(contentsOf: main.head.bytes(main.head.target)); out.append(32)
            main.appendProtocol(&out)
        case .requestMethod:
            // An internal redirect that asks with GET (error_page, X-Accel-Redirect) changes it, as in nginx.
            if methodIsGET { out.append(contentsOf: [0x47, 0x45, 0x54]) } else { out.append(contentsOf: head.bytes(head.methodRange)) }
        case .requestLength: ASCIIDecimal.append(requestLength, to: &out)
        case .requestTime: Bytes.appendMillisAsSeconds(nanos: Clock.eventNanos() &- startNanos, to: &out)
        case .requestID: out.append(contentsOf: id())
        case .scheme: if c.isTLS { out.append(static: "https") } else { out.append(static: "http") }
        case .https: if c.isTLS { out.append(static: "on") }
        case .ssl(let v): TLSVariables.append(v, connection: c, to: &out)
        case .serverName: out.append(contentsOf: server?.name ?? [])
        case .serverAddr: out.append(contentsOf: Array(c.local.host.utf8))
        case .serverPort: if c.local.family != .unix { ASCIIDecimal.append(Int(c.local.port), to: &out) }
        case .serverProtocol: appendProtocol(&out)
        case .status:   // the answer's, else an error_page's error (nginx's err_status), in three digits ("000")
            let s = status != 0 ? status : errorStatus
            if s < 100 { out.append(UInt8(ascii: "0")); if s < 10 { out.append(UInt8(ascii: "0")) } }
            ASCIIDecimal.append(s, to: &out)
        case .bodyBytesSent: ASCIIDecimal.append(bodyBytesSent, to: &out)
        case .bytesSent: ASCIIDecimal.append(bytesSent, to: &out)
        case .connection: ASCIIDecimal.append(Int64(bitPattern: c.id), to: &out)
        case .connectionRequests: ASCIIDecimal.append(c.requestsServed, to: &out)
        case .requestBody: out.append(contentsOf: requestBody)
        case .requestBodyFile: out.append(contentsOf: requestBodyFile)
        case .connectionTime: Bytes.appendMillisAsSeconds(nanos: Clock.eventNanos() &- c.openedNanos, to: &out)
        case .connectionsActive: ASCIIDecimal.append(c.worker.stats.snapshot().active, to: &out)
        case .connectionsReading: ASCIIDecimal.append(c.worker.stats.snapshot().reading, to: &out)
        case .connectionsWriting: ASCIIDecimal.append(c.worker.stats.snapshot().writing, to: &out)
        case .connectionsWaiting: ASCIIDecimal.append(c.worker.stats.snapshot().waiting, to: &out)
        case .contentLength:
            if let v = requestHeader("content-length") { out.append(contentsOf: v) }
            else if chunkedBodyLength >= 0 { ASCIIDecimal.append(chunkedBodyLength, to: &out) }   // a chunked body read whole
        case .contentType: head.appendJoinedValues(of: Self.contentTypeName, to: &out)
        case .timeLocal: out.append(contentsOf: c.worker.clock.timeLocal())
        case .timeISO8601: out.append(contentsOf: c.worker.clock.timeISO8601())
        case .msec: out.append(contentsOf: LogClock.msec())
        case .pid: ASCIIDecimal.append(Int(ProcessInfo.pid), to: &out)
        case .proxyHost:
            if let d = dynamicURL { out.append(contentsOf: d.hostHeader) } else if let p = proxy { out.append(contentsOf: p.proxyHost) }
        case .proxyPort:
            if let d = dynamicURL { out.append(contentsOf: d.portText) } else if let p = proxy { out.append(contentsOf: p.proxyPort) }
        case .fastcgiScriptName:
            // Outside a fastcgi_pass location nginx has no split regex or index either: the URI as it is.
            if let f = fastcgiRuntime { out.append(contentsOf: f.scriptName(uri).script) } else { out.append(contentsOf: uri) }
        case .nginxVersion: out.append(contentsOf: Version.nginx.utf8)
        case .fastcgiPathInfo:
            if let f = fastcgiRuntime { out.append(contentsOf: f.scriptName(uri).pathInfo) }
        case .proxyAddXForwardedFor:
            // Every X-Forwarded-For line, each followed by ", ", as nginx 1.22 joins them (the parser noted the first
            // and whether more came, so the usual single line is read in place).
            if let head, let first = head.forwardedFor {
                if head.forwardedForRepeated {
                    head.forEachHeader(named: "x-forwarded-for") { out.append(contentsOf: $0); out.append(contentsOf: [44, 32]) }
                } else {
                    out.append(contentsOf: head.bytes(first)); out.append(contentsOf: [44, 32])
                }
            }
            out.append(contentsOf: remoteAddrText)
        case .upstreamAddr: appendTries(&out) { t, o in o.append(contentsOf: t.address) }
        case .upstreamStatus:
            // A try that ended with no status (the client left, or timed out, before an answer) prints "-", as
            // nginx's ngx_http_upstream_status_variable does for a zero status.
            appendTries(&out) { t, o in
                let status = t.status != 0 ? t.status : t.failedStatus
                if status == 0 { o.append(UInt8(ascii: "-")) } else { ASCIIDecimal.append(status, to: &o) }
            }
        case .upstreamResponseTime: appendTries(&out) { t, o in Self.appendTime(t.responseNanos, to: &o) }
        case .upstreamConnectTime: appendTries(&out) { t, o in Self.appendTime(t.connectNanos, to: &o) }
        case .upstreamHeaderTime: appendTries(&out) { t, o in Self.appendTime(t.headerNanos, to: &o) }
        case .upstreamResponseLength:
            // Only the last try has a body; earlier ones print 0, as nginx lists them.
            for i in tries.indices {
                if i > 0 { out.append(contentsOf: [44, 32]) }
                ASCIIDecimal.append(i == tries.count - 1 ? upstreamResponseLength : 0, to: &out)
            }
        case .upstreamBytesReceived: appendTries(&out) { t, o in ASCIIDecimal.append(t.bytesReceived, to: &o) }
        case .upstreamBytesSent: appendTries(&out) { t, o in ASCIIDecimal.append(t.bytesSent, to: &o) }
        case .pipe: out.append(pipelined ? UInt8(ascii: "p") : UInt8(ascii: "."))
        case .documentRoot: appendDocumentRoot(to: &out)
        case .realpathRoot:
            var root: [UInt8] = []
            appendDocumentRoot(to: &root)
            if let resolved = Syscall.realpath(root) { out.append(contentsOf: resolved) }
        case .requestFilename: out.append(contentsOf: staticRoot.path(for: self))
        case .http2: break
        case .upstreamHTTPHeader(let name): upstreamResponse?.appendJoinedValues(of: name, to: &out)
        case .upstreamCookie(let name):
            if let r = upstreamResponse {
                var found = false
                r.forEachHeader(named: "set-cookie") { v in
                    if !found, let value = SetCookieValue.of(name, in: v) { out.append(contentsOf: value); found = true }
                }
            }
        case .upstreamCacheStatus: if let s = cacheStatus { out.append(contentsOf: s) }
        case .gzipRatio: if let r = gzipRatio { out.append(contentsOf: r.text.utf8) }
        case .limitRate:
            // Before the first send the location's limit_rate is not read yet: read it now (as nginx's getter does).
            let rate = limitRate >= 0 ? limitRate : (location?.shaping.rate(for: self).rate ?? 0)
            ASCIIDecimal.append(rate, to: &out)
        case .userVariable(let slot):
            if slot < userVariables.count, let v = userVariables[slot] {
                out.append(contentsOf: v)
            } else if let name = setOnlyName(slot) {
                // nginx's rewrite getter: warned about once, then the empty value stays for the request (nginx
                // keeps a variable's first value), so a log line of the same request warns no more.
                if location?.warnsUninitialized ?? true {
                    c.worker.log(.warn, "using uninitialized \"\(String(decoding: name, as: UTF8.self))\" variable", c)
                }
                userVariables[slot] = []
            }
        case .dateLocal, .dateGMT: out.append(contentsOf: SSIDate.now(gmt: v == .dateGMT, format: ssi?.filter?.timefmt))
        case .mapResult(let index): c.runtime.maps[index].value(for: self, index: index, into: &out)
        case .invalidReferer:
            if let check = location?.referers, !check.isValid(head.firstHeader("referer")) { out.append(UInt8(ascii: "1")) }
        case .invalidRefererSet(let slot):
            if slot < userVariables.count, let v = userVariables[slot] { out.append(contentsOf: v) } else { append(.invalidReferer, to: &out) }
        case .secureLink: appendSecureLink(to: &out)
        case .browser(let b): appendBrowser(b, to: &out)
        case .browserSet(let b, let slot):
            if slot < userVariables.count, let v = userVariables[slot] { out.append(contentsOf: v) } else { appendBrowser(b, to: &out) }
        case .uidGot: UserIDFilter.appendGot(self, to: &out)
        case .uidSet: UserIDFilter.appendSet(self, to: &out)
        case .uidReset(let slot): if let s = slot, let v = userVariables[s] { out.append(contentsOf: v) }
        case .secureLinkExpires: if let e = secureLinkExpires { out.append(contentsOf: e) }
        case .sliceRange: if let s = sliceRange { out.append(contentsOf: s) }
        case .requestCompletion: if completion == .complete { out.append(contentsOf: [79, 75]) }   // "OK"
        case .tcpInfo(let field):
            guard let info = Socket.tcpInfo(c.fd) else { break }
            let value = switch field {
            case .rtt: info.rtt
            case .rttvar: info.rttvar
            case .sendCongestionWindow: info.sendCongestionWindow
            case .receiveSpace: info.receiveSpace
            }
            ASCIIDecimal.append(Int(value), to: &out)
        case .upstreamTrailer: break
        }
    }

    /// `$msie` from the User-Agent's flags; `$modern_browser`, `$ancient_browser` from the location's lines (the
    /// server's before a location is chosen).
    private func appendBrowser(_ v: BrowserVariable, to out: inout [UInt8]) {
        if v == .msie {
            if userAgentFlags.contains(.msie) { out.append(UInt8(ascii: "1")) }
            return
        }
        let check = (location ?? server?.fallback)?.browsers ?? BrowserCheck.standard
        check.append(modern: v == .modernBrowser, agent: head?.firstHeader("user-agent"), to: &out)
    }

    /// `$secure_link` by the location's mode; empty without one.
    private func appendSecureLink(to out: inout [UInt8]) {
        switch location?.secureLink {
        case nil: return
        case .secret(let secret)?:
            if let link = SecureLink.secretLink(head.bytes(head.requestURI), secret: secret) { out.append(contentsOf: link) }
        case .md5(let linkTemplate, let md5Template)?:
            let value = evaluate(linkTemplate)
            guard let link = SecureLink.split(value[...]) else { return }
            // Kept before the hash is checked, so `secure_link_md5` may use `$secure_link_expires`.
            if let e = link.expiresText { secureLinkExpires = Array(e) }
            guard let digest = SecureLink.digest(of: link.hash) else { return }
            let expected = MD5.digest(evaluate(md5Template))
            let now = Int64(Clock.wallTime().seconds)
            if let v = SecureLink.verdict(digest: digest, md5: expected, expires: link.expires, now: now) {
                out.append(static: v)
            }
        }
    }

    /// nginx's r->main: the client's request a subrequest (an SSI include, auth_request's) was made for, found
    /// through what it writes into; the request itself otherwise.
    var mainRequest: Request {
        guard isSubrequest else { return self }
        let parent = ssi?.include?.filter.request ?? (sink as? AuthSubrequest)?.main ?? (sink as? SliceFetch)?.driver.request
        return parent?.mainRequest ?? self
    }

    /// An upstream timing in seconds with milliseconds, or "-" when the try did not get that far.
    private static func appendTime(_ nanos: UInt64, to out: inout [UInt8]) {
        if nanos == .max { out.append(UInt8(ascii: "-")) } else { Bytes.appendMillisAsSeconds(nanos: nanos, to: &out) }
    }

    private static let contentTypeName = Array("content-type".utf8)

    /// The current location's `fastcgi_pass` settings (read by `set` and try_files before the handler runs too).
    private var fastcgiRuntime: CGIRuntime? {
        if let loc = location, case .proxy(let p)? = loc.action, let f = p.cgi { return f }
        return proxy?.cgi
    }

    /// `$document_root`: the location's root or alias (evaluated when it has variables), as nginx's.
    private func appendDocumentRoot(to out: inout [UInt8]) {
        let files = staticRoot
        if let t = files.rootTemplate { evaluate(t, into: &out) } else { out.append(contentsOf: files.root) }
    }

    /// The location's root or alias; before a location is found (a server-level `if`), the default root.
    var staticRoot: StaticRuntime {
        location?.files.root ?? StaticRuntime(root: connection.runtime.defaultRoot, isAlias: false, index: [])
    }

    private func appendProtocol(_ out: inout [UInt8]) {
        out.append(static: "HTTP/")
        out.append(48 + head.version.major); out.append(UInt8(ascii: ".")); out.append(48 + head.version.minor)
    }

    /// nginx separates tries with ", ".
    private func appendTries(_ out: inout [UInt8], _ each: (UpstreamTry, inout [UInt8]) -> Void) {
        for (i, t) in tries.enumerated() {
            if i > 0 { out.append(contentsOf: [44, 32]) }
            each(t, &out)
        }
    }

    /// `$request_id`: one per main request, so a subrequest (an SSI include) reads its main request's.
    private func id() -> [UInt8] {
        if let r = requestID { return r }
        if isSubrequest, case let main = mainRequest, main !== self { return main.id() }
        var r: [UInt8] = []
        r.reserveCapacity(32)
        for _ in 0..<2 { Bytes.appendFixedHex(UInt64.random(in: .min ... .max), to: &r) }
        requestID = r
        return r
    }
}

extension Bytes {
    static func appendFixedHex(_ v: UInt64, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var shift = 60
        while shift >= 0 { out.append(hex[Int((v >> UInt64(shift)) & 0xf)]); shift -= 4 }
    }
}

/// Finds a header's value in serialized head bytes (`Name: value\r\n`), for `$sent_http_NAME`.
enum HeaderScan {
    static func value(of lowercasedName: [UInt8], inHead head: [UInt8]) -> ArraySlice<UInt8>? {
        var i = 0
        // Skip the status line.
        while i + 1 < head.count && !(head[i] == 13 && head[i + 1] == 10) { i += 1 }
        i += 2
        while i < head.count {
            var end = i
            while end + 1 < head.count && !(head[end] == 13 && head[end + 1] == 10) { end += 1 }
            if end == i { return nil }
            if let colon = head[i..<end].firstIndex(of: UInt8(ascii: ":")),
               ASCII.equalsIgnoringCase(head[i..<colon], lowercasedName) {
                var s = colon + 1
                while s < end && head[s] == 32 { s += 1 }
                return head[s..<end]
            }
            i = end + 2
        }
        return nil
    }

    /// Removes every `Name: value` line named `lowercasedName` after the first line (the status line, or `0` of a
    /// trailer block) of the head that starts at `headStart` in `head`; `fieldsOnly`: `head` holds field lines only.
    static func removeField(_ lowercasedName: [UInt8], from head: inout [UInt8], headStart: Int, fieldsOnly: Bool = false) {
        var i = headStart
        if !fieldsOnly {
            while i + 1 < head.count && !(head[i] == 13 && head[i + 1] == 10) { i += 1 }
            i += 2
        }
        while i < head.count {
            var end = i
            while end + 1 < head.count && !(head[end] == 13 && head[end + 1] == 10) { end += 1 }
            if end == i || end + 1 >= head.count { return }
            if let colon = head[i..<end].firstIndex(of: UInt8(ascii: ":")),
               ASCII.equalsIgnoringCase(head[i..<colon], lowercasedName) {
                head.removeSubrange(i..<(end + 2))
                continue
            }
            i = end + 2
        }
    }

    /// Every value of a header, joined as nginx joins repeated fields for `$sent_http_NAME`: ", " ("; " for
    /// Cookie).
    static func appendValues(of lowercasedName: [UInt8], inHead head: [UInt8], to out: inout [UInt8]) {
        var first = true
        forEachValue(of: lowercasedName, inHead: head) { v in
            if !first { out.append(HeaderJoin.separator(for: lowercasedName)); out.append(32) }
            out.append(contentsOf: v); first = false
        }
    }

    /// Each value of a header, in order.
    static func forEachValue(of lowercasedName: [UInt8], inHead head: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
        var i = 0
        while i + 1 < head.count && !(head[i] == 13 && head[i + 1] == 10) { i += 1 }
        i += 2
        while i < head.count {
            var end = i
            while end + 1 < head.count && !(head[end] == 13 && head[end + 1] == 10) { end += 1 }
            if end == i { return }
            if let colon = head[i..<end].firstIndex(of: UInt8(ascii: ":")),
               ASCII.equalsIgnoringCase(head[i..<colon], lowercasedName) {
                var s = colon + 1
                while s < end && head[s] == 32 { s += 1 }
                body(head[s..<end])
            }
            i = end + 2
        }
    }
}
