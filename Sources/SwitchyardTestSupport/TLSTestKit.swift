import Glibc

/// Certificates made for a test with the `openssl` command in a temporary directory (removed by `remove()`),
/// and a TLS client: a small Python `ssl` script run once per call, which reports what it negotiated.
public final class TLSTestKit {
    public let dir: String

    /// A CA, certificates it signs (RSA `localhost`, ECDSA `ec.test`, an expired one, `wrong.test`), a client
    /// CA with a client certificate, and a self-signed certificate; keys readable by the proxy's user.
    public init() throws {
        dir = try TempDir.make()
        let script = """
            set -e
            cd '\(dir)'
            req() { openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null; }
            sign() { openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days "$3" \
                -extfile <(printf "subjectAltName=DNS:%s" "$4") -out "$1.crt" 2>/dev/null; }
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca 2>/dev/null
            openssl req -x509 -newkey rsa:2048 -nodes -keyout client-ca.key -out client-ca.crt -days 2 -subj /CN=client-ca 2>/dev/null
            openssl genrsa -out rsa.key 2048 2>/dev/null; req rsa localhost; sign rsa ca 2 localhost
            openssl ecparam -name prime256v1 -genkey -noout -out ec.key; req ec ec.test; sign ec ca 2 ec.test
            openssl genrsa -out wrong.key 2048 2>/dev/null; req wrong wrong.test; sign wrong ca 2 wrong.test
            openssl genrsa -out client.key 2048 2>/dev/null; req client client; sign client client-ca 2 client
            openssl genrsa -out expired.key 2048 2>/dev/null; req expired localhost
            openssl x509 -req -in expired.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days -1 -out expired.crt 2>/dev/null \
              || openssl x509 -req -in expired.csr -CA ca.crt -CAkey ca.key -CAcreateserial -not_before 20200101000000Z -not_after 20200102000000Z -out expired.crt
            openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 2 -subj /CN=localhost 2>/dev/null
            openssl rsa -in rsa.key -aes256 -passout pass:secret -out rsa-encrypted.key 2>/dev/null
            head -c 80 /dev/urandom > ticket1.key; head -c 80 /dev/urandom > ticket2.key
            chmod 644 *.key
            """
        try TempDir.write(dir + "/make.sh", script)
        let (status, err) = try Self.run(["/bin/bash", dir + "/make.sh"], in: dir)
        if status != 0 { throw TestClientError("making certificates failed: \(err)") }
        try TempDir.write(dir + "/client.py", Self.clientScript)
    }

    public func path(_ name: String) -> String { dir + "/" + name }

    public func remove() { _ = try? Self.run(["/bin/rm", "-rf", dir], in: "/tmp") }

    /// What one TLS connection saw: the negotiated protocol and cipher, whether the session was resumed, the
    /// server certificate's subject, the bytes received after the request, or the handshake's error.
    public struct Connection: Sendable {
        public var version = ""
        public var cipher = ""
        public var reused = false
        public var subject = ""
        public var alpn = ""
        public var response = ""
        public var error = ""
        public var status: Int? {
            guard response.hasPrefix("HTTP/1."), response.count > 12 else { return nil }
            return Int(response.dropFirst(9).prefix(3))
        }
        public var body: String {
            let b = Array(response.utf8)
            guard b.count >= 4 else { return "" }
            for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 {
                return String(decoding: b[(i + 4)...], as: UTF8.self)
            }
            return ""
        }
    }

    /// `connections` connections in a row to 127.0.0.1:`port`, each sending `request` (with `Host`),
    /// resuming the previous session when `resume`; `sni` nil sends none. `tls` is `1.2`, `1.3` or nil (any).
    /// `clientCert` sends `client.crt` (or `certName`.crt, with its key) when asked for one.
    public func connect(port: UInt16, request: String = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n",
                        sni: String? = "localhost", tls: String? = nil, connections: Int = 1, resume: Bool = false,
                        alpn: [String] = [], clientCert: Bool = false, certName: String = "client",
                        ciphers: String? = nil, verifyCA: Bool = false) throws -> [Connection] {
        var args = ["/usr/bin/python3", dir + "/client.py", String(port), request, sni ?? "", tls ?? "",
                    String(connections), resume ? "1" : "0", alpn.joined(separator: ","),
                    clientCert ? dir + "/\(certName).crt:" + dir + "/\(certName).key" : "", ciphers ?? "",
                    verifyCA ? dir + "/ca.crt" : ""]
        args = args.map { $0 }
        let (status, out) = try Self.run(args, in: dir, stdout: true)
        if status != 0 { throw TestClientError("TLS client failed (\(status)): \(out)") }
        var result: [Connection] = []
        var current = Connection()
        for line in out.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq], value = String(line[line.index(after: eq)...])
            switch key {
            case "version": current.version = value
            case "cipher": current.cipher = value
            case "reused": current.reused = value == "True"
            case "subject": current.subject = value
            case "alpn": current.alpn = value
            case "error": current.error = value
            case "response": current.response = Self.unescape(value)
            case "end": result.append(current); current = Connection()
            default: break
            }
        }
        return result
    }

    private static func unescape(_ s: String) -> String {
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            if c == "\\", let n = it.next() { out.append(n == "n" ? "\n" : n == "r" ? "\r" : n) } else { out.append(c) }
        }
        return out
    }

    /// Runs a command to completion: its exit status and its stdout (or stderr) text.
    public static func run(_ args: [String], in dir: String, stdout: Bool = false) throws -> (Int32, String) {
        let out = dir + "/cmd-\(getpid())-\(Int.random(in: 0..<1_000_000)).out"
        let pid = try Spawn.run(args, stdoutPath: out, stderrPath: stdout ? out + ".err" : out)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? TempDir.read(out)) ?? ""
        unlink(out); unlink(out + ".err")
        return ((status >> 8) & 0xff, text)
    }

    static let clientScript = #"""
        import socket, ssl, sys
        port, request, sni, tls, count, resume, alpn, cert, ciphers, ca = sys.argv[1:11]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        if ca:
            ctx.load_verify_locations(ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        else:
            ctx.verify_mode = ssl.CERT_NONE
        if tls == "1.2":
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        elif tls == "1.3":
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        if alpn:
            ctx.set_alpn_protocols(alpn.split(","))
        if cert:
            c, k = cert.split(":")
            ctx.load_cert_chain(c, k)
        if ciphers:
            ctx.set_ciphers(ciphers)
        session = None
        def esc(b):
            return b.decode("latin-1").replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
        for i in range(int(count)):
            try:
                raw = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
                s = ctx.wrap_socket(raw, server_hostname=sni or None, session=session if resume == "1" else None)
                print("version=" + str(s.version()))
                print("cipher=" + s.cipher()[0])
                print("reused=" + str(s.session_reused))
                print("alpn=" + str(s.selected_alpn_protocol() or ""))
                der = s.getpeercert(binary_form=True)
                # The request goes first: the subject below runs openssl (100-250 ms), which must not count
                # against the server's client_header_timeout.
                s.sendall(request.encode("latin-1"))
                data = b""
                while True:
                    try:
                        chunk = s.recv(65536)
                    except (ssl.SSLError, ConnectionResetError, socket.timeout) as e:
                        break
                    if not chunk:
                        break
                    data += chunk
                # TLS 1.3 sends the session ticket after the handshake: read it before keeping the session.
                session = s.session
                if der:
                    import subprocess
                    pem = ssl.DER_cert_to_PEM_cert(der)
                    subj = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem.encode(), capture_output=True).stdout.decode().strip()
                    print("subject=" + subj)
                print("response=" + esc(data))
                s.close()
            except Exception as e:
                print("error=" + str(e).replace("\n", " "))
            print("end=1")
            sys.stdout.flush()
        """#
}
