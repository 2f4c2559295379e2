import CESignShims
import COpenSSL
import Foundation

/// An X.509 certificate, owned by this object and freed with it.
///
/// ```swift
/// let certs = try Certificate.loadPEM(bytes)   // every certificate in a PEM bundle
/// print(certs[0].subject)                       // "CN=Nguyễn Văn An, O=…, C=VN"
/// ```
public final class Certificate: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// The owned `X509*`.
    let pointer: OpaquePointer
    /// The certificate's DER encoding, computed once.
    public let der: [UInt8]

    /// Wraps an `X509*`, taking ownership of one reference.
    init(takingOwnership pointer: OpaquePointer) throws(OpenSSLError) {
        self.pointer = pointer
        subject = DistinguishedName(X509_get_subject_name(pointer))
        issuer = DistinguishedName(X509_get_issuer_name(pointer))
        do {
            der = try encodeDER("i2d_X509") { i2d_X509(pointer, $0) }
        } catch {
            X509_free(pointer)
            throw error
        }
    }

    /// Wraps an `X509*` that someone else owns, adding a reference of our own.
    convenience init(borrowing pointer: OpaquePointer) throws(OpenSSLError) {
        X509_up_ref(pointer)
        try self.init(takingOwnership: pointer)
    }

    deinit { X509_free(pointer) }

    /// Parses one DER certificate.
    public convenience init(der: [UInt8]) throws(OpenSSLError) {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        try self.init(takingOwnership: check(parsed, "d2i_X509"))
    }

    /// Every certificate in PEM text; throws when there is none.
    public static func loadPEM(_ pem: [UInt8]) throws(OpenSSLError) -> [Certificate] {
        OpenSSLError.clearQueue()
        let bio = try MemoryBIO(pem)
        var result: [Certificate] = []
        while let x509 = PEM_read_bio_X509(bio.pointer, nil, nil, nil) {
            result.append(try Certificate(takingOwnership: x509))
        }
        ERR_clear_error()  // the reader ends with a "no start line" entry
        if result.isEmpty { throw OpenSSLError(operation: "reading PEM certificates: no certificate found") }
        return result
    }

    /// Certificates from PEM or, failing that, a single DER certificate.
    public static func load(_ bytes: [UInt8]) throws(OpenSSLError) -> [Certificate] {
        if bytes.starts(with: Array("-----".utf8)) || bytes.firstRange(of: Array("-----BEGIN".utf8)) != nil {
            return try loadPEM(bytes)
        }
        return [try Certificate(der: bytes)]
    }

    public var pem: String {
        let b64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(b64)\n-----END CERTIFICATE-----\n"
    }

    /// Read once (every report names the signer and its issuer, and a batch verifies one
    /// official's certificate a thousand times).
    public let subject: DistinguishedName
    public let issuer: DistinguishedName

    /// DER of the issuer Name.
    public var issuerNameDER: [UInt8] {
        (try? encodeDER("i2d_X509_NAME") { i2d_X509_NAME(X509_get_issuer_name(pointer), $0) }) ?? []
    }

    /// DER of the serial number INTEGER.
    public var serialNumberDER: [UInt8] {
        (try? encodeDER("i2d_ASN1_INTEGER") { i2d_ASN1_INTEGER(X509_get0_serialNumber(pointer), $0) }) ?? []
    }

    /// A copy of this certificate carrying `key`'s public key instead (its signature no longer
    /// holds): what OpenSSL's timestamp engine is given for a TSA whose certificate has an
    /// id-RSASSA-PSS key, which that engine cannot sign for; esign puts the real one back.
    public func standIn(publicKeyOf key: PrivateKey) throws(OpenSSLError) -> Certificate {
        guard let copy = X509_dup(pointer) else { throw OpenSSLError.capture("X509_dup") }
        guard X509_set_pubkey(copy, key.pointer) == 1 else {
            X509_free(copy)
            throw OpenSSLError.capture("X509_set_pubkey")
        }
        return try Certificate(takingOwnership: copy)
    }

    /// Whether the certificate's public key is restricted to RSASSA-PSS (id-RSASSA-PSS, RFC 4055).
    public var hasRSAPSSKey: Bool {
        guard let key = X509_get0_pubkey(pointer) else { return false }
        return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS
    }

    /// The subject key identifier extension's octets, or nil when the certificate has none.
    public var subjectKeyIdentifier: [UInt8]? {
        guard let identifier = X509_get0_subject_key_id(pointer), let data = ASN1_STRING_get0_data(identifier) else {
            return nil
        }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(identifier))))
    }

    /// Serial number in upper-case hexadecimal.
    public var serialNumberHex: String {
        guard let bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(pointer), nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { esign_OPENSSL_free(hex) }
        return String(cString: hex)
    }

    public var notBefore: Date { Self.date(X509_get0_notBefore(pointer)) }
    public var notAfter: Date { Self.date(X509_get0_notAfter(pointer)) }

    /// Whether `date` lies within the validity period.
    public func isValid(at date: Date) -> Bool { date >= notBefore && date <= notAfter }

    /// Key usage bits, or nil when the extension is absent (meaning: any usage).
    public var keyUsage: KeyUsage? {
        // X509_get_key_usage caches extensions; it returns UINT32_MAX when the extension is absent.
        let bits = X509_get_key_usage(pointer)
        return bits == UInt32.max ? nil : KeyUsage(rawValue: bits)
    }

    /// Extended key usage OIDs, or nil when the extension is absent.
    public var extendedKeyUsage: [String]? {
        guard let ext = X509_get_ext_d2i(pointer, NID_ext_key_usage, nil, nil) else { return nil }
        let stack = OpaquePointer(ext)
        defer {
            OPENSSL_sk_pop_free(
                stack,
                unsafeBitCast(ASN1_OBJECT_free as @convention(c) (OpaquePointer?) -> Void, to: OPENSSL_sk_freefunc.self)
            )
        }
        var result: [String] = []
        for i in 0..<OPENSSL_sk_num(stack) {
            let obj = OpaquePointer(OPENSSL_sk_value(stack, i))
            result.append(Self.oidText(obj))
        }
        return result
    }

    /// The public key's algorithm and size, e.g. "RSA-2048", "EC P-256 (prime256v1)".
    public var publicKeyDescription: String {
        guard let key = X509_get0_pubkey(pointer) else { return "unknown" }
        let bits = Int(EVP_PKEY_get_bits(key))
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return "RSA-\(bits)"
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            EVP_PKEY_get_group_name(key, &name, name.count, &length)
            return "EC \(String(cBuffer: name)) (\(bits) bits)"
        default:
            return "\(String(cString: OBJ_nid2sn(EVP_PKEY_get_base_id(key)))) (\(bits) bits)"
        }
    }

    /// RSA modulus size in bits, or nil for other key types.
    public var rsaKeyBits: Int? {
        guard let key = X509_get0_pubkey(pointer), EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else { return nil }
        return Int(EVP_PKEY_get_bits(key))
    }

    /// OCSP responder URLs from the Authority Information Access extension.
    public var ocspURLs: [String] {
        guard let stack = X509_get1_ocsp(pointer) else { return [] }
        defer { X509_email_free(stack) }
        return (0..<OPENSSL_sk_num(stack)).compactMap { i in
            OPENSSL_sk_value(stack, i).map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
        }
    }

    /// CRL distribution point URLs (full names of type URI).
    public var crlURLs: [String] {
        guard let ext = X509_get_ext_d2i(pointer, NID_crl_distribution_points, nil, nil) else { return [] }
        let points = OpaquePointer(ext)
        defer { esign_sk_DIST_POINT_pop_free(UnsafeMutableRawPointer(points)) }
        var urls: [String] = []
        for i in 0..<OPENSSL_sk_num(points) {
            guard let point = OPENSSL_sk_value(points, i)?.assumingMemoryBound(to: DIST_POINT.self),
                let name = point.pointee.distpoint, name.pointee.type == 0
            else { continue }
            let names = name.pointee.name.fullname
            for j in 0..<OPENSSL_sk_num(names) {
                guard let general = OPENSSL_sk_value(names, j)?.assumingMemoryBound(to: GENERAL_NAME.self),
                    general.pointee.type == GEN_URI, let uri = general.pointee.d.uniformResourceIdentifier
                else { continue }
                urls.append(
                    String(
                        decoding: UnsafeBufferPointer(
                            start: ASN1_STRING_get0_data(uri), count: Int(ASN1_STRING_length(uri))), as: UTF8.self))
            }
        }
        return urls
    }

    public var isCertificateAuthority: Bool { X509_check_ca(pointer) >= 1 }

    public var isSelfIssued: Bool { X509_check_issued(pointer, pointer) == X509_V_OK }

    /// Whether `issuer` issued this certificate (names and key identifiers match and its signature verifies).
    public func isIssued(by issuer: Certificate) -> Bool {
        guard X509_check_issued(issuer.pointer, pointer) == X509_V_OK,
            let key = X509_get0_pubkey(issuer.pointer)
        else { return false }
        let ok = X509_verify(pointer, key) == 1
        ERR_clear_error()
        return ok
    }

    /// Whether `key` is the private half of this certificate's public key.
    public func matches(_ key: PrivateKey) -> Bool {
        let ok = X509_check_private_key(pointer, key.pointer) == 1
        ERR_clear_error()
        return ok
    }

    /// SHA-2 fingerprint of the DER encoding (the SHA-256 one computed once: every verification
    /// names its signer's and its root's).
    public func fingerprint(_ algorithm: DigestAlgorithm = .sha256) -> [UInt8] {
        guard algorithm == .sha256 else { return (try? Digest.hash(der, algorithm)) ?? [] }
        fingerprintLock.lock()
        defer { fingerprintLock.unlock() }
        if let sha256Fingerprint { return sha256Fingerprint }
        let computed = (try? Digest.hash(der, .sha256)) ?? []
        sha256Fingerprint = computed
        return computed
    }
    private let fingerprintLock = NSLock()
    private var sha256Fingerprint: [UInt8]?

    public var description: String { subject.description }

    public static func == (a: Certificate, b: Certificate) -> Bool { a.der == b.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        guard let time else { return .distantPast }
        var tm = tm()
        guard ASN1_TIME_to_tm(time, &tm) == 1 else { return .distantPast }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    static func oidText(_ obj: OpaquePointer?) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let n = OBJ_obj2txt(&buffer, Int32(buffer.count), obj, 1)
        return n > 0 ? String(cBuffer: buffer) : ""
    }
}

/// The key usage bits of RFC 5280 as OpenSSL reports them.
public struct KeyUsage: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let digitalSignature = KeyUsage(rawValue: 0x80)
    public static let nonRepudiation = KeyUsage(rawValue: 0x40)
    public static let keyEncipherment = KeyUsage(rawValue: 0x20)
    public static let dataEncipherment = KeyUsage(rawValue: 0x10)
    public static let keyAgreement = KeyUsage(rawValue: 0x08)
    public static let keyCertSign = KeyUsage(rawValue: 0x04)
    public static let cRLSign = KeyUsage(rawValue: 0x02)
}

/// Well-known extended key usage OIDs.
public enum ExtendedKeyUsageOID {
    public static let timeStamping = "1.3.6.1.5.5.7.3.8"
    public static let ocspSigning = "1.3.6.1.5.5.7.3.9"
    public static let emailProtection = "1.3.6.1.5.5.7.3.4"
    public static let anyExtendedKeyUsage = "2.5.29.37.0"
}
