import HTTP1

/// Every variable switchyard knows, resolved from its name once when a configuration is compiled.
/// Names follow nginx's; `$http_NAME`, `$cookie_NAME`, … carry their NAME (lowercased, `_` → `-` for headers).
enum VariableID: Sendable, Equatable {
    case remoteAddr, remotePort, remoteUser, binaryRemoteAddr, realIPRemoteAddr, realIPRemotePort
    case host, hostname, httpHeader([UInt8]), sentHTTPHeader([UInt8]), sentTrailer([UInt8]), cookie([UInt8]), arg([UInt8])
    case args, isArgs, uri, requestURI, request, requestMethod, requestLength, requestTime, requestID
    case scheme, serverName, serverAddr, serverPort, serverProtocol, status, bodyBytesSent, bytesSent
    case requestBody, requestBodyFile
    case connection, connectionRequests, connectionTime, contentLength, contentType, timeLocal, timeISO8601, msec, pid
    case proxyHost, proxyPort, proxyAddXForwardedFor
    case fastcgiScriptName, fastcgiPathInfo   // CGIRuntime.scriptName: fastcgi_split_path_info, fastcgi_index
    case nginxVersion           // $nginx_version: the nginx version `-v` names (fastcgi.conf's SERVER_SOFTWARE)
    case upstreamAddr, upstreamStatus, upstreamResponseTime, upstreamConnectTime, upstreamHeaderTime
    case upstreamResponseLength, upstreamHTTPHeader([UInt8]), upstreamCookie([UInt8]), upstreamCacheStatus
    case gzipRatio, pipe, upstreamBytesReceived, upstreamBytesSent
    case documentRoot, realpathRoot, requestFilename   // the location's root or alias (StaticRuntime)
    case http2                  // always empty: HTTP/2 is not served
    case limitRate              // $limit_rate: the response's send rate (ClientShaping)
    case limitReqStatus, limitConnStatus   // LimitPhase.swift
    /// `$proxy_protocol_addr`, `_port`, `_server_addr`, `_server_port`, `_tlv_NAME` (ClientProxyProtocol.swift).
    case proxyProtocolAddr, proxyProtocolPort, proxyProtocolServerAddr, proxyProtocolServerPort
    case proxyProtocolTLV(ProxyProtocol.TLVName)
    case dateLocal, dateGMT     // SSI's $date_local, $date_gmt (SSIDate.swift)
    case https, ssl(TLSVariable)   // $https, $ssl_* (TLSVariables.swift)
    case connectionsActive, connectionsReading, connectionsWriting, connectionsWaiting   // stub_status's
    case invalidReferer         // RefererCheck.swift
    /// `$invalid_referer` where a `set` may change it (nginx's changeable variable): the slot once set, else the check.
    case invalidRefererSet(Int)
    case secureLink, secureLinkExpires   // SecureLink.swift
    case browser(BrowserVariable)        // $msie, $modern_browser, $ancient_browser (BrowserCheck.swift)
    /// One of them where a `set` may change it (nginx's changeable variable): the slot once set, else the check.
    case browserSet(BrowserVariable, Int)
    case uidGot, uidSet                 // UserIDFilter.swift
    /// `$request_completion`: "OK" once the response went out whole (nginx's r->request_complete), else empty.
    case requestCompletion
    /// `$tcpinfo_rtt`, `_rttvar`, `_snd_cwnd`, `_rcv_space`: the client socket's TCP_INFO, read at each use.
    case tcpInfo(TCPInfoField)
    /// `$upstream_trailer_NAME`: never found, as nginx 1.22's proxy (upstream trailers are read and dropped).
    case upstreamTrailer([UInt8])
    case sliceRange                     // SliceDriver.swift: the range of the slice a request fetches
    /// `$uid_reset`: the slot of the `set $uid_reset` lines, if there are any; empty, never `-`, when unset.
    case uidReset(Int?)
    case userVariable(Int)      // a `set $name` or `map` result, by slot
    case mapResult(Int)         // a `map` block, evaluated lazily, by index

    /// Resolves a variable name (without `$`). `userSlot` finds `set`/`map` variables; nil means unknown.
    static func resolve(_ name: String, userSlot: (String) -> VariableID?) -> VariableID? {
        func suffix(_ p: String) -> [UInt8]? {
            guard name.hasPrefix(p) else { return nil }
            return Array(name.dropFirst(p.count).lowercased().utf8)
        }
        func headerName(_ p: String) -> [UInt8]? {
            suffix(p).map { $0.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 } }
        }
        if let n = headerName("upstream_http_") { return .upstreamHTTPHeader(n) }
        if name.hasPrefix("upstream_cookie_") { return .upstreamCookie(Array(name.dropFirst(16).utf8)) }
        if let n = headerName("sent_http_") { return .sentHTTPHeader(n) }
        if let n = headerName("sent_trailer_") { return .sentTrailer(n) }
        if let n = headerName("upstream_trailer_") { return .upstreamTrailer(n) }
        if let n = headerName("http_") { return .httpHeader(n) }
        if name.hasPrefix("cookie_") { return .cookie(Array(name.dropFirst(7).utf8)) }
        if let n = suffix("arg_") { return .arg(n) }
        if name.hasPrefix("proxy_protocol_tlv_") { return .proxyProtocolTLV(ProxyProtocol.TLVName(String(name.dropFirst(19)))) }
        if let v = fixed[name] { return v }
        // Changeable, as nginx's: a `set $uid_reset` gives it a slot, which the userid filter reads.
        if name.lowercased() == "uid_reset" {
            if case .userVariable(let slot)? = userSlot(name) { return .uidReset(slot) }
            return .uidReset(nil)
        }
        if let v = TLSVariable(rawValue: name) { return .ssl(v) }
        return userSlot(name)
    }

    /// A built-in with a fixed name (not a `$http_…`-style family); nil when there is none.
    static func resolveFixed(_ lowercasedName: String) -> VariableID? { fixed[lowercasedName] }

    private static let fixed: [String: VariableID] = [
        "date_local": .dateLocal, "date_gmt": .dateGMT, "remote_addr": .remoteAddr, "remote_port": .remotePort, "remote_user": .remoteUser,
        "realip_remote_addr": .realIPRemoteAddr, "realip_remote_port": .realIPRemotePort,
        "binary_remote_addr": .binaryRemoteAddr, "host": .host, "hostname": .hostname, "args": .args,
        "query_string": .args, "is_args": .isArgs, "uri": .uri, "document_uri": .uri, "request_uri": .requestURI,
        "request": .request, "request_method": .requestMethod, "request_length": .requestLength,
        "request_time": .requestTime, "request_id": .requestID, "scheme": .scheme, "server_name": .serverName,
        "server_addr": .serverAddr, "server_port": .serverPort, "server_protocol": .serverProtocol,
        "status": .status, "body_bytes_sent": .bodyBytesSent, "bytes_sent": .bytesSent, "connection": .connection,
        "connection_requests": .connectionRequests, "connection_time": .connectionTime, "request_body": .requestBody,
        "request_body_file": .requestBodyFile,
        "connections_active": .connectionsActive, "connections_reading": .connectionsReading,
        "connections_writing": .connectionsWriting, "connections_waiting": .connectionsWaiting, "content_length": .contentLength,
        "content_type": .contentType, "time_local": .timeLocal, "time_iso8601": .timeISO8601, "msec": .msec,
        "pid": .pid, "proxy_host": .proxyHost, "proxy_port": .proxyPort,
        "proxy_add_x_forwarded_for": .proxyAddXForwardedFor, "upstream_addr": .upstreamAddr,
        "upstream_status": .upstreamStatus, "upstream_response_time": .upstreamResponseTime,
        "upstream_connect_time": .upstreamConnectTime, "upstream_header_time": .upstreamHeaderTime,
        "upstream_response_length": .upstreamResponseLength, "upstream_cache_status": .upstreamCacheStatus,
        "gzip_ratio": .gzipRatio, "limit_rate": .limitRate,
        "limit_req_status": .limitReqStatus, "limit_conn_status": .limitConnStatus,
        "proxy_protocol_addr": .proxyProtocolAddr, "proxy_protocol_port": .proxyProtocolPort,
        "proxy_protocol_server_addr": .proxyProtocolServerAddr, "proxy_protocol_server_port": .proxyProtocolServerPort, "pipe": .pipe, "https": .https,
        "upstream_bytes_received": .upstreamBytesReceived, "upstream_bytes_sent": .upstreamBytesSent,
        "document_root": .documentRoot, "realpath_root": .realpathRoot, "request_filename": .requestFilename,
        "http2": .http2, "invalid_referer": .invalidReferer,
        "fastcgi_script_name": .fastcgiScriptName, "fastcgi_path_info": .fastcgiPathInfo,
        "nginx_version": .nginxVersion,
        "secure_link": .secureLink, "secure_link_expires": .secureLinkExpires,
        "msie": .browser(.msie), "modern_browser": .browser(.modernBrowser), "ancient_browser": .browser(.ancientBrowser),
        "uid_got": .uidGot, "uid_set": .uidSet, "slice_range": .sliceRange,
        "request_completion": .requestCompletion, "tcpinfo_rtt": .tcpInfo(.rtt), "tcpinfo_rttvar": .tcpInfo(.rttvar),
        "tcpinfo_snd_cwnd": .tcpInfo(.sendCongestionWindow), "tcpinfo_rcv_space": .tcpInfo(.receiveSpace),
    ]
}

/// Which field of TCP_INFO a `$tcpinfo_*` variable reads.
enum TCPInfoField: Sendable, Equatable {
    case rtt, rttvar, sendCongestionWindow, receiveSpace
}
