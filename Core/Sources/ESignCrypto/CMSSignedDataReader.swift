import CESignShims
import COpenSSL
import Foundation

/// A CMS SignedData read back by OpenSSL, for checking a signature: who signed, over which digest,
/// and whether the signature value verifies under the signer's key.
///
/// ```swift
/// let cms = try CMSSignedDataReader(der: contents)
/// let ok = cms.signers[0].messageDigest == computedDigest && cms.signers[0].signatureVerifies()
/// ```
public final class CMSSignedDataReader: @unchecked Sendable {
    /// Owns the `CMS_ContentInfo*`; shared by the reader and its SignerInfos (no reference cycle).
    final class Handle: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { CMS_ContentInfo_free(pointer) }
    }
    let handle: Handle
    var pointer: OpaquePointer { handle.pointer }
    public let certificates: [Certificate]
    /// The DER OpenSSL parsed: the input, or the input without its certificates.
    let parsedDER: [UInt8]
    public private(set) var signers: [SignerInfo] = []

    /// One SignerInfo; it borrows from its reader, which it keeps alive.
    public struct SignerInfo: @unchecked Sendable {
        let owner: Handle
        let pointer: OpaquePointer
        /// The signer's certificate, found among the embedded certificates.
        public let certificate: Certificate?
        public let digestAlgorithmOID: String
        public let signatureAlgorithmOID: String
        /// The signatureAlgorithm's parameters as encoded, when they are a SEQUENCE (RSASSA-PSS).
        public let signatureAlgorithmParameters: [UInt8]?
        /// The message-digest signed attribute, or nil when there are no signed attributes.
        public let messageDigest: [UInt8]?
        public let hasSignedAttributes: Bool

        /// The signed attributes exactly as signed (SET OF, DER).
        let signedAttributesDER: [UInt8]?

        /// Whether the signature over the signed attributes verifies under the certificate's key.
        /// EdDSA signatures (Ed25519, Ed448), which OpenSSL 3.0's CMS code does not verify, are
        /// checked with a one-shot EVP_DigestVerify over the signed attributes.
        public func signatureVerifies() -> Bool {
            guard let certificate, hasSignedAttributes else { return false }
            if CMS_SignerInfo_verify(pointer) == 1 { return true }
            ERR_clear_error()
            guard let tbs = signedAttributesDER, let key = X509_get0_pubkey(certificate.pointer) else { return false }
            let id = EVP_PKEY_get_base_id(key)
            guard id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448, let ctx = EVP_MD_CTX_new() else { return false }
            defer {
                EVP_MD_CTX_free(ctx)
                ERR_clear_error()
            }
            guard EVP_DigestVerifyInit(ctx, nil, nil, nil, key) == 1 else { return false }
            let signature = signatureValue
            return EVP_DigestVerify(ctx, signature, signature.count, tbs, tbs.count) == 1
        }

        /// The signature value (what a signature timestamp's imprint covers).
        public var signatureValue: [UInt8] {
            guard let value = CMS_SignerInfo_get0_signature(pointer) else { return [] }
            return Array(
                UnsafeBufferPointer(start: ASN1_STRING_get0_data(value), count: Int(ASN1_STRING_length(value))))
        }

        /// The signing-time signed attribute, when present.
        public var signingTime: Date? {
            guard let index = Optional(CMS_signed_get_attr_by_NID(pointer, NID_pkcs9_signingTime, -1)), index >= 0,
                let attribute = CMS_signed_get_attr(pointer, index),
                let type = X509_ATTRIBUTE_get0_type(attribute, 0)
            else { return nil }
            let kind = ASN1_TYPE_get(type)
            guard kind == V_ASN1_UTCTIME || kind == V_ASN1_GENERALIZEDTIME else { return nil }
            return Certificate.date(UnsafePointer(type.pointee.value.utctime))
        }

        /// Whether the ESS signing-certificate(-v2) attribute, when present, names the signer's
        /// certificate (a substitution of certificates is then detected). nil when absent.
        public var signingCertificateAttributeMatches: Bool? {
            guard let certificate else { return nil }
            if let v2 = attributeValue("1.2.840.113549.1.9.16.2.47", signed: true) {
                return DigestAlgorithm.allCases.contains { v2.firstRange(of: certificate.fingerprint($0)) != nil }
            }
            if let v1 = attributeValue("1.2.840.113549.1.9.16.2.12", signed: true) {
                let sha1 =
                    (try? { () throws -> [UInt8] in
                        let d = try Digest(oid: "1.3.14.3.2.26")
                        d.update(certificate.der)
                        return try d.finalize()
                    }()) ?? []
                return !sha1.isEmpty && v1.firstRange(of: sha1) != nil
            }
            return nil
        }

        /// For SignerInfos without signed attributes: whether the signature verifies over `digest`,
        /// the hash of the content computed by the caller.
        public func signatureVerifies(overContentDigest digest: [UInt8]) -> Bool {
            guard let certificate, let key = X509_get0_pubkey(certificate.pointer),
                let ctx = EVP_PKEY_CTX_new(key, nil)
            else { return false }
            defer {
                EVP_PKEY_CTX_free(ctx)
                ERR_clear_error()
            }
            guard EVP_PKEY_verify_init(ctx) == 1 else { return false }
            if let object = OBJ_txt2obj(digestAlgorithmOID, 1) {
                defer { ASN1_OBJECT_free(object) }
                if let md = EVP_get_digestbyname(OBJ_nid2sn(OBJ_obj2nid(object))) {
                    EVP_PKEY_CTX_set_signature_md(ctx, md)
                }
            }
            let signature = signatureValue
            return EVP_PKEY_verify(ctx, signature, signature.count, digest, digest.count) == 1
        }

        /// The value of a signed or unsigned attribute as DER, by dotted OID.
        public func attributeValue(_ oid: String, signed: Bool) -> [UInt8]? {
            guard let object = OBJ_txt2obj(oid, 1) else { return nil }
            defer { ASN1_OBJECT_free(object) }
            let index =
                signed
                ? CMS_signed_get_attr_by_OBJ(pointer, object, -1) : CMS_unsigned_get_attr_by_OBJ(pointer, object, -1)
            guard index >= 0 else { return nil }
            let attribute = signed ? CMS_signed_get_attr(pointer, index) : CMS_unsigned_get_attr(pointer, index)
            guard let type = X509_ATTRIBUTE_get0_type(attribute, 0) else { return nil }
            return try? encodeDER("i2d_ASN1_TYPE") { i2d_ASN1_TYPE(type, $0) }
        }
    }

    /// Reads a ContentInfo(SignedData). Its certificates come from ``CertificateCache`` (parsed once
    /// per process); OpenSSL parses the rest. Input of another shape (BER, attribute certificates)
    /// is handed to OpenSSL whole.
    public init(der: [UInt8]) throws(OpenSSLError) {
        OpenSSLError.clearQueue()
        var input = der
        var shared: [Certificate]?
        if let split = DERReader.separatingCertificates(ofContentInfo: der) {
            var certs: [Certificate] = []
            for item in split.certificates {
                guard let cert = try? CertificateCache.shared.certificate(der: item) else { break }
                certs.append(cert)
            }
            if certs.count == split.certificates.count {
                input = split.rest
                shared = certs
            }
        }
        let parsed = input.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_CMS_ContentInfo(nil, &cursor, buffer.count)
        }
        let cms = try check(parsed, "d2i_CMS_ContentInfo")
        handle = Handle(cms)
        parsedDER = input
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed else {
            throw OpenSSLError(operation: "reading CMS: not a SignedData")
        }
        if let shared {
            certificates = shared
            // Matches each SignerInfo to its certificate among the embedded ones.
            if let stack = esign_sk_X509_new_null() {
                for cert in shared { esign_sk_X509_push(stack, cert.pointer) }
                CMS_set1_signers_certs(cms, stack, 0)
                esign_sk_X509_free(stack)  // the stack only borrowed the certificates
            }
        } else {
            var certs: [Certificate] = []
            if let stack = CMS_get1_certs(cms) {
                for i in 0..<esign_sk_X509_num(stack) {
                    if let c = esign_sk_X509_value(stack, i), let cert = try? Certificate(borrowing: c) {
                        certs.append(cert)
                    }
                }
                esign_sk_X509_pop_free(stack)
            }
            certificates = certs
            CMS_set1_signers_certs(cms, nil, 0)
        }
        ERR_clear_error()
        var found: [SignerInfo] = []
        let attributeSets = DERReader.signedAttributes(ofContentInfo: der)
        if let infos = CMS_get0_SignerInfos(cms) {
            for i in 0..<OPENSSL_sk_num(infos) {
                let si = OpaquePointer(OPENSSL_sk_value(infos, i))!
                var key: OpaquePointer?
                var signer: OpaquePointer?
                var digestAlg: UnsafeMutablePointer<X509_ALGOR>?
                var signatureAlg: UnsafeMutablePointer<X509_ALGOR>?
                CMS_SignerInfo_get0_algs(si, &key, &signer, &digestAlg, &signatureAlg)
                // The shared wrapper when there is one: the same object for the same certificate
                // in every document lets ``ChainValidator`` recognise paths it has proven.
                let certificate = signer.flatMap { pointer in
                    certificates.first { $0.pointer == pointer } ?? (try? Certificate(borrowing: pointer))
                }
                let digest = CMS_signed_get0_data_by_OBJ(
                    si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING)
                var messageDigest: [UInt8]?
                if let digest {
                    let string = UnsafePointer(digest.assumingMemoryBound(to: ASN1_STRING.self))
                    let length = Int(ASN1_STRING_length(string))
                    if let data = ASN1_STRING_get0_data(string) {
                        messageDigest = Array(UnsafeBufferPointer(start: data, count: length))
                    }
                }
                found.append(
                    SignerInfo(
                        owner: handle, pointer: si, certificate: certificate,
                        digestAlgorithmOID: Self.algorithmOID(digestAlg),
                        signatureAlgorithmOID: Self.algorithmOID(signatureAlg),
                        signatureAlgorithmParameters: Self.sequenceParameters(signatureAlg),
                        messageDigest: messageDigest,
                        hasSignedAttributes: CMS_signed_get_attr_count(si) > 0,
                        signedAttributesDER: Int(i) < attributeSets.count ? attributeSets[Int(i)] : nil))
            }
        }
        signers = found
    }

    /// For SignedData that carries its content (timestamp tokens): whether every signature and the
    /// content's message digest verify. Certificates are checked separately, by ``ChainValidator``.
    public func encapsulatedContentVerifies() -> Bool {
        let ok = CMS_verify(pointer, nil, nil, nil, nil, UInt32(CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY)) == 1
        ERR_clear_error()
        return ok
    }

    /// Whether the SignedData carries its content (PAdES and detached CAdES must not).
    public var hasEncapsulatedContent: Bool {
        guard let content = CMS_get0_content(pointer) else { return false }
        return content.pointee != nil
    }

    /// An AlgorithmIdentifier's parameters as DER, when they are a SEQUENCE.
    static func sequenceParameters(_ algorithm: UnsafeMutablePointer<X509_ALGOR>?) -> [UInt8]? {
        guard let algorithm else { return nil }
        var type: Int32 = 0
        var value: UnsafeRawPointer?
        X509_ALGOR_get0(nil, &type, &value, algorithm)
        guard type == V_ASN1_SEQUENCE, let value else { return nil }
        let string = value.assumingMemoryBound(to: ASN1_STRING.self)
        guard let data = ASN1_STRING_get0_data(string) else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))))
    }

    static func algorithmOID(_ algorithm: UnsafeMutablePointer<X509_ALGOR>?) -> String {
        guard let algorithm else { return "" }
        var object: OpaquePointer?
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        return Certificate.oidText(object)
    }
}
