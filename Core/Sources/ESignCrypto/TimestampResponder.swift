import CESignShims
import COpenSSL
import Foundation

/// Issues RFC 3161 replies with OpenSSL's TSA engine (TS_RESP_CTX): SHA-256/384/512 imprints,
/// the nonce echoed, certReq honoured, ESS signing-certificate-v2, an accuracy, ordering, and
/// `rejection` replies with the right failInfo (badAlg, badRequest, badDataFormat, unacceptedPolicy)
/// for requests it cannot answer. Serial numbers come from the caller.
///
/// One responder may be used from many threads at once: each reply borrows a prepared OpenSSL
/// context from a pool (preparing one costs more than signing a token) and returns it after.
public struct TimestampResponder: Sendable {
    public let certificate: Certificate
    public let privateKey: PrivateKey
    public let chain: [Certificate]
    public let policyOID: String
    public let acceptedPolicies: [String]
    public let accuracySeconds: Int32
    /// RSA keys: tokens signed with RSASSA-PSS. OpenSSL's TSA engine signs through PKCS#7, which
    /// pads with PKCS#1 v1.5 only: it then signs with a placeholder key (no RSA operation) and
    /// esign signs the token's signed attributes with PSS before the reply is encoded.
    public let padding: RSAPadding
    private let placeholderKey: PrivateKey?
    /// For a certificate with an id-RSASSA-PSS key, which the engine's PKCS#7 code cannot sign
    /// for: the same certificate with the placeholder's plain RSA key, given to the engine, and
    /// replaced by the real one (in the token's certificates and its ESS certificate hash) before
    /// the token is signed with PSS.
    private let standIn: (certificate: Certificate, hash: [UInt8], realHash: [UInt8])?
    private let pool: ContextPool

    public init(
        certificate: Certificate, privateKey: PrivateKey, chain: [Certificate],
        policyOID: String = "1.3.6.1.4.1.57264.1.1",
        acceptedPolicies: [String] = [], accuracySeconds: Int32 = 1, padding: RSAPadding = .pkcs1v15
    ) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.chain = chain
        self.policyOID = policyOID
        self.acceptedPolicies = acceptedPolicies
        self.accuracySeconds = accuracySeconds
        self.padding = privateKey.isRSAPSSOnly ? .pss : privateKey.isRSA ? padding : .pkcs1v15
        placeholderKey =
            self.padding == .pss
            ? try? PrivateKey.external(
                certificate: certificate, signer: PlaceholderSigner(length: privateKey.maximumSignatureLength))
            : nil
        standIn = (certificate.hasRSAPSSKey ? placeholderKey : nil)
            .flatMap { try? certificate.standIn(publicKeyOf: $0) }
            .map { ($0, $0.fingerprint(.sha256), certificate.fingerprint(.sha256)) }
        pool = ContextPool()
    }

    /// Answers every signature request with zeros: the PKCS#7 engine's signature, replaced.
    final class PlaceholderSigner: ExternalSigner, @unchecked Sendable {
        let length: Int
        init(length: Int) { self.length = length }
        func sign(digest: [UInt8], algorithm: DigestAlgorithm?) throws -> [UInt8] {
            [UInt8](repeating: 0, count: length)
        }
        func pssRefusal(algorithm: DigestAlgorithm) -> String? { nil }
    }

    /// Prepared TS_RESP_CTX objects not in use. A context is reset by OpenSSL at each reply.
    final class ContextPool: @unchecked Sendable {
        private let lock = NSLock()
        private var idle: [OpaquePointer] = []
        func take() -> OpaquePointer? {
            lock.lock()
            defer { lock.unlock() }
            return idle.popLast()
        }
        func give(_ ctx: OpaquePointer) {
            lock.lock()
            if idle.count < 64 {
                idle.append(ctx)
                lock.unlock()
            } else {
                lock.unlock()
                TS_RESP_CTX_free(ctx)
            }
        }
        deinit { for ctx in idle { TS_RESP_CTX_free(ctx) } }
    }

    /// What was issued, for the audit log.
    public struct Issued: Sendable {
        public let granted: Bool
        public let reply: [UInt8]
        public let serialNumber: UInt64?
        public let time: Date?
        public let imprint: [UInt8]?
        public let imprintAlgorithm: String?
        public let policyOID: String?
        public let failure: String?
    }

    /// Answers one DER request. `serial` is asked for only when a token is issued.
    public func reply(to request: [UInt8], serial: @escaping () throws -> UInt64) throws(OpenSSLError) -> Issued {
        OpenSSLError.clearQueue()
        let ctx: OpaquePointer
        if let idle = pool.take() { ctx = idle } else { ctx = try makeContext() }
        defer { pool.give(ctx) }
        return try reply(to: request, context: ctx, serial: serial)
    }

    /// A context with the signer, chain, policies, digests, accuracy and flags set.
    private func makeContext() throws(OpenSSLError) -> OpaquePointer {
        let ctx = try check(TS_RESP_CTX_new(), "TS_RESP_CTX_new")
        do { try configure(ctx) } catch {
            TS_RESP_CTX_free(ctx)
            throw error
        }
        return ctx
    }

    private func configure(_ ctx: OpaquePointer) throws(OpenSSLError) {
        try check(
            TS_RESP_CTX_set_signer_cert(ctx, (standIn?.certificate ?? certificate).pointer),
            "TS_RESP_CTX_set_signer_cert")
        try check(
            TS_RESP_CTX_set_signer_key(ctx, (placeholderKey ?? privateKey).pointer), "TS_RESP_CTX_set_signer_key")
        try check(TS_RESP_CTX_set_signer_digest(ctx, DigestAlgorithm.sha256.evp), "TS_RESP_CTX_set_signer_digest")
        try check(
            TS_RESP_CTX_set_ess_cert_id_digest(ctx, DigestAlgorithm.sha256.evp), "TS_RESP_CTX_set_ess_cert_id_digest")
        let stack = try check(esign_sk_X509_new_null(), "sk_X509_new_null")
        defer { esign_sk_X509_pop_free(stack) }
        for cert in chain {
            X509_up_ref(cert.pointer)
            esign_sk_X509_push(stack, cert.pointer)
        }
        try check(TS_RESP_CTX_set_certs(ctx, stack), "TS_RESP_CTX_set_certs")
        let policy = try check(OBJ_txt2obj(policyOID, 1), "policy OID")
        defer { ASN1_OBJECT_free(policy) }
        try check(TS_RESP_CTX_set_def_policy(ctx, policy), "TS_RESP_CTX_set_def_policy")
        for other in acceptedPolicies {
            if let object = OBJ_txt2obj(other, 1) {
                TS_RESP_CTX_add_policy(ctx, object)
                ASN1_OBJECT_free(object)
            }
        }
        for algorithm in DigestAlgorithm.allCases { TS_RESP_CTX_add_md(ctx, algorithm.evp) }
        TS_RESP_CTX_set_accuracy(ctx, accuracySeconds, 0, 0)
        TS_RESP_CTX_add_flags(ctx, TS_ORDERING | TS_TSA_NAME)
    }

    private func reply(
        to request: [UInt8], context ctx: OpaquePointer, serial: @escaping () throws -> UInt64
    ) throws(OpenSSLError) -> Issued {
        final class SerialSource {
            let next: () throws -> UInt64
            var issued: UInt64?
            init(_ n: @escaping () throws -> UInt64) { next = n }
        }
        let source = SerialSource(serial)
        let callback: TS_serial_cb = { ctx, data in
            guard let data else { return nil }
            let source = Unmanaged<SerialSource>.fromOpaque(data).takeUnretainedValue()
            guard let value = try? source.next(), let integer = ASN1_INTEGER_new() else {
                TS_RESP_CTX_set_status_info(ctx, Int32(TS_STATUS_REJECTION), "no serial number could be allocated")
                TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE)
                return nil
            }
            ASN1_INTEGER_set_uint64(integer, value)
            source.issued = value
            return integer
        }
        let unmanaged = Unmanaged.passRetained(source)
        defer { unmanaged.release() }
        TS_RESP_CTX_set_serial_cb(ctx, callback, unmanaged.toOpaque())

        let bio = try MemoryBIO(request)
        let response = try check(TS_RESP_create_response(ctx, bio.pointer), "TS_RESP_create_response")
        defer { TS_RESP_free(response) }
        var der = try encodeDER("i2d_TS_RESP") { i2d_TS_RESP(response, $0) }
        let status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(response)))
        guard status == TS_STATUS_GRANTED || status == TS_STATUS_GRANTED_WITH_MODS,
            let info = TS_RESP_get_tst_info(response)
        else {
            let text = TS_STATUS_INFO_get0_text(TS_RESP_get_status_info(response))
            var failure = "rejected"
            if let text, OPENSSL_sk_num(text) > 0, let first = OPENSSL_sk_value(text, 0) {
                let s = UnsafePointer(first.assumingMemoryBound(to: ASN1_STRING.self))
                failure = String(
                    decoding: UnsafeBufferPointer(start: ASN1_STRING_get0_data(s), count: Int(ASN1_STRING_length(s))),
                    as: UTF8.self)
            }
            return Issued(
                granted: false, reply: der, serialNumber: nil, time: nil, imprint: nil, imprintAlgorithm: nil,
                policyOID: nil, failure: failure)
        }
        if placeholderKey != nil { der = try signedWithPSS(der) }
        let imprintObject = TS_TST_INFO_get_msg_imprint(info)
        var algorithm: OpaquePointer?
        X509_ALGOR_get0(&algorithm, nil, nil, TS_MSG_IMPRINT_get_algo(imprintObject))
        let message = TS_MSG_IMPRINT_get_msg(imprintObject)
        let imprint = message.map {
            Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data($0), count: Int(ASN1_STRING_length($0))))
        }
        return Issued(
            granted: true, reply: der, serialNumber: source.issued,
            time: Certificate.date(UnsafePointer(TS_TST_INFO_get_time(info))),
            imprint: imprint, imprintAlgorithm: Digest.name(ofOID: Certificate.oidText(algorithm)),
            policyOID: Certificate.oidText(TS_TST_INFO_get_policy_id(info)), failure: nil)
    }

    /// The reply with its token's placeholder signature replaced by a PSS signature.
    private func signedWithPSS(_ reply: [UInt8]) throws(OpenSSLError) -> [UInt8] {
        let reader = DERReader(reply)
        guard let top = reader.element(at: 0), top.tag == 0x30 else {
            throw OpenSSLError(operation: "the TSA reply is not a SEQUENCE")
        }
        let parts = reader.children(of: top)
        guard parts.count == 2 else { throw OpenSSLError(operation: "the granted TSA reply holds no token") }
        do {
            var token = try SignedDataStructure(der: reader[parts[1].range])
            if let standIn {
                token.certificates = token.certificates.map { $0 == standIn.certificate.der ? certificate.der : $0 }
                try token.replaceInSignedAttributes(signer: 0, standIn.hash, with: standIn.realHash)
            }
            try token.resign(signer: 0, key: privateKey, digest: .sha256, padding: .pss)
            return DER.sequence(reader[parts[0].range], token.encoded())
        } catch {
            throw OpenSSLError(operation: "signing the timestamp token with RSASSA-PSS: \(error)")
        }
    }
}
