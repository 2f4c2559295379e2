import ESign
import Foundation

/// Another RFC 3161 implementation for esign's client to talk to: `openssl ts -reply`, behind a
/// small HTTP handler on loopback, signing with the demo PKI's TSA key.
public final class OpenSSLTimestampAuthority: @unchecked Sendable {
    public let server: LoopbackServer
    public var url: String { server.url + "/" }

    public init(pki: DemoPKI) throws {
        let dir = Fixtures.temporaryDirectory("esign-openssl-tsa")
        try "01\n".write(to: dir.appendingPathComponent("serial"), atomically: true, encoding: .utf8)
        let config = """
            [ tsa ]
            default_tsa = tsa_config1
            [ tsa_config1 ]
            serial = \(dir.path)/serial
            crypto_device = builtin
            signer_cert = \(pki.tsa.certificatePath)
            certs = \(pki.chainPath)
            signer_key = \(pki.tsa.keyPath)
            signer_digest = sha256
            default_policy = 1.2.3.4.1
            digests = sha256, sha384, sha512
            accuracy = secs:1
            ordering = yes
            tsa_name = yes
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256
            """
        try config.write(to: dir.appendingPathComponent("tsa.cnf"), atomically: true, encoding: .utf8)
        let handler = """
            import http.server, subprocess, sys
            cfg, port, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    p = subprocess.run(['openssl', 'ts', '-reply', '-config', cfg, '-queryfile', '/dev/stdin', \
                    '-passin', 'file:' + pw],
                                       input=body, capture_output=True)
                    self.send_response(200 if p.returncode == 0 else 500)
                    self.send_header('Content-Type', 'application/timestamp-reply')
                    self.send_header('Content-Length', str(len(p.stdout)))
                    self.end_headers()
                    self.wfile.write(p.stdout)
                def log_message(self, *a): pass
            http.server.HTTPServer(('127.0.0.1', port), H).serve_forever()
            """
        try handler.write(to: dir.appendingPathComponent("tsa.py"), atomically: true, encoding: .utf8)
        server = try LoopbackServer(
            "python3",
            [
                dir.appendingPathComponent("tsa.py").path, dir.appendingPathComponent("tsa.cnf").path,
                "{port}", pki.passwordPath,
            ])
    }
}
