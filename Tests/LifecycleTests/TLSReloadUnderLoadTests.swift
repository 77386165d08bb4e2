import Glibc
import Testing
import SwitchyardTestSupport

/// A reload that swaps the certificate under TLS load: keep-alive clients and a stream of new handshakes (a
/// small Python `ssl` load generator, verifying against the test CA) see no failed request and no failed
/// handshake, and every handshake after a reload gets the new certificate.
@Suite struct TLSReloadUnderLoadTests {
    static func config(port: UInt16, kit: TLSTestKit, cert: String) -> String {
        nginxConf(port: port, http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path(cert + ".crt")); ssl_certificate_key \(kit.path(cert + ".key"));
                ssl_session_cache shared:SSL:1m;
                location / { return 200 "served"; }
            }
            """)
    }

    @Test func certificateSwapsUnderTLSLoadLoseNothing() throws {
        let kit = try TLSTestKit()
        defer { kit.remove() }
        let port = freePort()
        // Both certificates are signed by the test CA; their subjects tell them apart.
        let certificates = [(file: "rsa", subject: "localhost"), (file: "wrong", subject: "wrong.test")]
        let proxy = try LiveProxy(port: port, config: Self.config(port: port, kit: kit, cert: "rsa"))
        defer { proxy.process.stop() }

        try TempDir.write(kit.path("tls_load.py"), Self.loadScript)
        let stop = kit.path("stop"), progress = kit.path("progress"), out = kit.path("load.out")
        let pid = try Spawn.run(["/usr/bin/python3", kit.path("tls_load.py"), String(port), "4", "20", stop, progress,
                                 kit.path("ca.crt")], stdoutPath: out, stderrPath: out + ".err")
        var reaped = false
        defer {
            if !reaped {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }
        func served() -> Int { Int((try? TempDir.read(progress)) ?? "") ?? 0 }
        try #require(waitFor(seconds: 30) { served() >= 100 }, "load did not start: \((try? TempDir.read(out + ".err")) ?? "")")

        let reloads = 6
        for i in 1...reloads {
            let next = certificates[i % 2]
            try proxy.rewrite(Self.config(port: port, kit: kit, cert: next.file))
            proxy.signal(SIGHUP)
            try #require(proxy.waitForReloads(i), "reload \(i) did not complete:\n\(proxy.errorLog)")
            // Once the reload is logged, a new handshake gets the new certificate.
            let seen = try kit.connect(port: port, verifyCA: true).first
            #expect(seen?.subject.contains("CN = \(next.subject)") == true && seen?.status == 200,
                    "reload \(i): \(String(describing: seen))")
            let mark = served()
            #expect(waitFor(seconds: 30) { served() >= mark + 100 }, "load stalled after reload \(i)")
        }
        try TempDir.write(stop, "")
        var status: Int32 = 0
        reaped = waitFor(seconds: 30) { waitpid(pid, &status, WNOHANG) == pid }
        let report = (try? TempDir.read(out)) ?? ""
        func figure(_ name: String) -> Int {
            for word in report.split(whereSeparator: { $0 == " " || $0 == "\n" }) where word.hasPrefix(name + "=") {
                return Int(word.dropFirst(name.count + 1)) ?? -1
            }
            return -1
        }
        print("lifecycle tls-reload-under-load: reloads=\(reloads) " + (report.split(separator: "\n").first.map(String.init) ?? ""))
        #expect(reaped, "the load generator did not stop")
        #expect(figure("failures") == 0, "\(report)\n\((try? TempDir.read(out + ".err")) ?? "")")
        #expect(figure("requests") >= 100 * (reloads + 1), "\(report)")
        // New handshakes went on through every reload (one per 20 requests), and saw both certificates.
        #expect(figure("handshakes") >= 5 * (reloads + 1), "\(report)")
        #expect(report.contains("subject localhost=") && report.contains("subject wrong.test="), "\(report)")
        #expect(!proxy.errorLog.contains("[alert]") && !proxy.errorLog.contains("[crit]"))
    }

    /// Python's `ssl`: CLIENTS threads, each opening a TLS connection (verified against CA) and sending PER
    /// keep-alive requests on it, then the next connection, until the file STOP exists. Any handshake error, and
    /// any error or wrong answer once a request was written, is a failure (nothing is retried). It writes the
    /// running request count to PROGRESS and prints `requests=… handshakes=… failures=…`, the certificate
    /// subjects seen and the first failures.
    static let loadScript = #"""
        import os, socket, ssl, sys, threading
        port, clients, per, stop, progress, ca = sys.argv[1:7]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
        lock = threading.Lock()
        totals = {"requests": 0, "handshakes": 0}
        subjects, failures = {}, []

        def common_name(cert):
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return value
            return "?"

        def response(s, buf):
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    raise EOFError("closed before the response head")
                buf += chunk
            head, _, rest = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            fields = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
            length = int(fields.get("content-length", "0"))
            while len(rest) < length:
                chunk = s.recv(65536)
                if not chunk:
                    raise EOFError("closed in the body")
                rest += chunk
            return int(lines[0].split(" ")[1]), fields, rest[:length], rest[length:]

        def fail(text):
            with lock:
                failures.append(text)

        def client(i):
            n = 0
            while not os.path.exists(stop):
                try:
                    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=10),
                                        server_hostname="localhost")
                except Exception as e:
                    fail(f"client {i}: handshake: {e}")
                    continue
                name = common_name(s.getpeercert())
                with lock:
                    totals["handshakes"] += 1
                    subjects[name] = subjects.get(name, 0) + 1
                buf = b""
                for k in range(int(per)):
                    if os.path.exists(stop):
                        break
                    n += 1
                    try:
                        s.sendall(f"GET /load/{i}/{n} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
                        status, fields, body, buf = response(s, buf)
                    except Exception as e:
                        fail(f"client {i} #{n} (request {k + 1} on its connection): {e!r}")
                        break
                    if status != 200 or body != b"served":
                        fail(f"client {i} #{n}: {status} {body[:40]!r}")
                        break
                    with lock:
                        totals["requests"] += 1
                        if totals["requests"] % 25 == 0:
                            with open(progress + ".tmp", "w") as f:
                                f.write(str(totals["requests"]))
                            os.replace(progress + ".tmp", progress)
                    if fields.get("connection", "").lower() == "close":
                        break
                try:
                    s.close()
                except Exception:
                    pass

        threads = [threading.Thread(target=client, args=(i,)) for i in range(int(clients))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"requests={totals['requests']} handshakes={totals['handshakes']} failures={len(failures)}")
        for name, count in sorted(subjects.items()):
            print(f"subject {name}={count}")
        for text in failures[:20]:
            print("failure " + text)
        """#
}
