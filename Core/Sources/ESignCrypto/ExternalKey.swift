import CESignShims
import COpenSSL
import Foundation

/// Signs digests with a private key that esign cannot read: one on a PKCS#11 token, or at a remote
/// signing service. esign builds everything else (the CMS, the timestamp token) itself.
public protocol ExternalSigner: AnyObject, Sendable {
    /// Signs `digest`, the hash of the data to sign by `algorithm` (nil when OpenSSL did not say;
    /// the digest's length tells). Returns, for RSA keys, the PKCS#1 v1.5 signature (the DigestInfo
    /// is the signer's to build); for ECDSA keys, the DER ECDSA-Sig-Value.
    func sign(digest: [UInt8], algorithm: DigestAlgorithm?) throws -> [UInt8]

    /// Signs the whole message, for a signer that can only hash on its side; nil (the default)
    /// has esign hash and call ``sign(digest:algorithm:)``. Same output forms.
    func sign(message: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8]?

    /// Signs with RSASSA-PSS (MGF1 with `algorithm`, salt as long as the digest): `digest` is the
    /// hash of `message` (nil when only the hash is known), for a signer that hashes on its side.
    /// The default refuses: a signer must say it can.
    func signPSS(digest: [UInt8], message: [UInt8]?, algorithm: DigestAlgorithm) throws -> [UInt8]

    /// Why this signer cannot make RSASSA-PSS signatures with `algorithm`, or nil when it can:
    /// asked before any document is touched.
    func pssRefusal(algorithm: DigestAlgorithm) -> String?

    /// Decrypts an RSA-encrypted key sent to this key's certificate (a certificate-encrypted
    /// PDF's envelope). The default refuses: a signer must say it can.
    func decryptRSA(_ ciphertext: [UInt8], padding: RSAEncryptionPadding) throws -> [UInt8]
}

/// A signer that cannot do what it is asked, with the reason.
public struct ExternalSignerRefusal: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension ExternalSigner {
    public func sign(message: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8]? { nil }

    public func signPSS(digest: [UInt8], message: [UInt8]?, algorithm: DigestAlgorithm) throws -> [UInt8] {
        throw ExternalSignerRefusal(
            pssRefusal(algorithm: algorithm) ?? "this key's signer cannot make RSASSA-PSS signatures")
    }

    public func pssRefusal(algorithm: DigestAlgorithm) -> String? {
        "this key's signer cannot make RSASSA-PSS signatures"
    }

    public func decryptRSA(_ ciphertext: [UInt8], padding: RSAEncryptionPadding) throws -> [UInt8] {
        throw ExternalSignerRefusal("this key can only sign: it cannot decrypt a document encrypted for it")
    }
}

extension PrivateKey {
    /// A key whose public half is `certificate`'s and whose signatures `signer` makes. It signs
    /// wherever a ``PrivateKey`` does (CMS signer infos, timestamp tokens); it cannot be exported.
    public static func external(certificate: Certificate, signer: any ExternalSigner) throws(OpenSSLError) -> PrivateKey
    {
        guard let publicKey = X509_get0_pubkey(certificate.pointer) else {
            throw OpenSSLError.capture("X509_get0_pubkey")
        }
        let bridge = ExternalKeyBridge(signer: signer)
        OpenSSLError.clearQueue()
        let context = Unmanaged.passRetained(bridge).toOpaque()
        guard let key = esign_external_key_new(publicKey, context, externalSign, externalRelease) else {
            throw OpenSSLError.capture("a key for \(certificate.subject) that signs outside esign")
        }
        return PrivateKey(takingOwnership: key, bridge: bridge)
    }

    /// Why the key cannot sign with RSASSA-PSS and `digest` (an external signer that lacks it), or nil.
    public func pssRefusal(digest: DigestAlgorithm) -> String? {
        guard isRSA else { return nil }
        return bridge?.signer.pssRefusal(algorithm: digest)
    }

    /// The external signer's failure on this thread, if the last signature failed there.
    func takeExternalFailure() -> String? { bridge?.takeFailure() }
}

/// What OpenSSL's callback reaches: the signer, and the last failure of each thread (the callback
/// cannot throw, so the Swift error waits here until ``PrivateKey/sign(_:digest:)`` reports it).
final class ExternalKeyBridge: @unchecked Sendable {
    let signer: any ExternalSigner
    private let lock = NSLock()
    private var failures: [UInt: String] = [:]

    init(signer: any ExternalSigner) { self.signer = signer }

    func record(_ failure: String) {
        lock.lock()
        failures[UInt(bitPattern: Int(bitPattern: pthread_self()))] = failure
        lock.unlock()
    }

    func takeFailure() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return failures.removeValue(forKey: UInt(bitPattern: Int(bitPattern: pthread_self())))
    }
}

private func externalSign(
    _ context: UnsafeMutableRawPointer?, _ nid: Int32, _ digest: UnsafePointer<UInt8>?, _ digestLength: Int,
    _ signature: UnsafeMutablePointer<UInt8>?, _ signatureLength: UnsafeMutablePointer<Int>?
) -> Int32 {
    guard let context, let digest, let signature, let signatureLength else { return 0 }
    let bridge = Unmanaged<ExternalKeyBridge>.fromOpaque(context).takeUnretainedValue()
    let algorithm: DigestAlgorithm?
    switch nid {
    case NID_sha256: algorithm = .sha256
    case NID_sha384: algorithm = .sha384
    case NID_sha512: algorithm = .sha512
    case NID_sha3_256: algorithm = .sha3_256
    case NID_sha3_384: algorithm = .sha3_384
    case NID_sha3_512: algorithm = .sha3_512
    case NID_undef: algorithm = DigestAlgorithm.allCases.first { $0.outputLength == digestLength }
    default:
        bridge.record("the digest \(String(cString: OBJ_nid2sn(nid))) cannot be signed outside esign")
        return 0
    }
    do {
        let value = try bridge.signer.sign(
            digest: Array(UnsafeBufferPointer(start: digest, count: digestLength)), algorithm: algorithm)
        guard value.count <= signatureLength.pointee else {
            bridge.record(
                "the signature returned is \(value.count) bytes, more than the key's \(signatureLength.pointee)")
            return 0
        }
        value.withUnsafeBufferPointer { signature.update(from: $0.baseAddress!, count: value.count) }
        signatureLength.pointee = value.count
        return 1
    } catch {
        bridge.record("\(error)")
        return 0
    }
}

private func externalRelease(_ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    Unmanaged<ExternalKeyBridge>.fromOpaque(context).release()
}
