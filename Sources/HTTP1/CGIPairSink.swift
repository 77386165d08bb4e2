/// Where a CGI-family request's variables go, one name-value pair at a time: FastCGI's FCGI_PARAMS stream,
/// a uwsgi packet or an SCGI netstring. The proxy walks the parameters and the client's header fields once
/// (CGIVars) whichever protocol writes them.
public protocol CGIPairSink {
    mutating func add(name: some Collection<UInt8>, value: some Collection<UInt8>)
}
