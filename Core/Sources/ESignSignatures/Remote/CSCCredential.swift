import ESignCrypto
import Foundation

/// A key held by a remote signing service that speaks the Cloud Signature Consortium API
/// (v1.0.4): `credentials/info` gives its certificate chain; each signature is a
/// `signatures/signHash` call under signature activation data (SAD) that `credentials/authorize`
/// grants for the credential's PIN. As an ``ExternalSigner`` it signs wherever a local key does
/// (PAdES, CAdES, batches).
///
/// A SAD is asked for `expectedSignatures` at once (a batch authorises once) unless the service
/// binds SADs to hashes (SCAL 2), in which case each signature is authorised with its hash. A
/// SAD that ran out or expired is replaced once.
///
/// `https://` services are reached with their certificate verified against the system's trust
/// store (SSL_CERT_FILE and SSL_CERT_DIR honoured) and their name against the URL's host.
public final class CSCCredential: ExternalSigner, @unchecked Sendable {
    public let service: String
    public let credential: String
    public let certificate: Certificate
    public let chain: [Certificate]
    let token: Secret
    let pin: Secret
    let keyIsRSA: Bool
    let hashBinding: Bool
    let batchLimit: Int
    let expectedSignatures: Int
    let timeout: Int
    private let lock = NSLock()
    private var sad: String?

    /// What went wrong talking to the service.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Kind: Sendable {
            /// Not reached, or no usable answer.
            case unreachable
            /// The service said no (an HTTP error status): a wrong PIN, a spent or expired SAD.
            case refused
            /// An answer that is wrong (no certificate, a signature that does not verify).
            case badAnswer
        }
        public var description: String
        public var kind: Kind
        init(description: String, unreachable: Bool) {
            self.description = description
            kind = unreachable ? .unreachable : .badAnswer
        }
        init(_ description: String, _ kind: Kind) {
            self.description = description
            self.kind = kind
        }
    }

    /// Reads the credential's certificates and key from `service` (the part before `/csc/v1`).
    public init(
        service: String, credential: String, token: Secret, pin: Secret, expectedSignatures: Int = 1,
        timeout: Int = 30
    ) throws(Failure) {
        self.service = service.hasSuffix("/") ? String(service.dropLast()) : service
        self.credential = credential
        self.token = token
        self.pin = pin
        self.expectedSignatures = max(1, expectedSignatures)
        self.timeout = timeout
        let info = try Self.call(
            self.service, "credentials/info", ["credentialID": credential, "certificates": "chain"], token: token,
            timeout: timeout)
        guard let cert = info["cert"] as? [String: Any], let encoded = cert["certificates"] as? [String],
            let first = encoded.first
        else { throw Failure(description: "\(credential): credentials/info gave no certificate", unreachable: false) }
        var certificates: [Certificate] = []
        for text in encoded {
            guard let der = Data(base64Encoded: text), let parsed = try? Certificate(der: [UInt8](der)) else {
                throw Failure(
                    description: "\(credential): a certificate of credentials/info is not DER", unreachable: false)
            }
            certificates.append(parsed)
        }
        _ = first
        certificate = certificates[0]
        chain = Array(certificates.dropFirst())
        let algorithms = (info["key"] as? [String: Any])?["algo"] as? [String] ?? []
        keyIsRSA = algorithms.contains { $0.hasPrefix("1.2.840.113549.1.1.") }
        hashBinding = "\(info["SCAL"] ?? "1")" == "2"
        batchLimit = (info["multisign"] as? NSNumber)?.intValue ?? 1
        // A wrong PIN shows now, before any document is touched (a batch's SAD is asked for here).
        if !hashBinding {
            do { _ = try activation(for: "", renew: true) } catch let failure as Failure {
                throw failure.kind == .refused
                    ? Failure("\(credential): the service refused to authorise signatures (wrong PIN?)", .refused)
                    : failure
            } catch {
                throw Failure("\(credential): \(error)", .unreachable)
            }
        }
    }

    public func sign(digest: [UInt8], algorithm: DigestAlgorithm?) throws -> [UInt8] {
        try signHash(digest, algorithm: algorithm ?? Self.algorithm(forLength: digest.count), pss: false)
    }

    /// RSASSA-PSS: `signAlgo` id-RSASSA-PSS with `signAlgoParams` (hash, MGF1 with the same hash,
    /// salt as long as the hash), as CSC v1.0.4 § 11.9 names them. ``ExternalSigner`` conformance.
    public func signPSS(digest: [UInt8], message: [UInt8]?, algorithm: DigestAlgorithm) throws -> [UInt8] {
        guard keyIsRSA else { throw Failure("\(credential): RSASSA-PSS needs an RSA key", .badAnswer) }
        return try signHash(digest, algorithm: algorithm, pss: true)
    }

    public func pssRefusal(algorithm: DigestAlgorithm) -> String? {
        keyIsRSA ? nil : "\(credential): RSASSA-PSS needs an RSA key"
    }

    func signHash(_ digest: [UInt8], algorithm hashAlgorithm: DigestAlgorithm, pss: Bool) throws -> [UInt8] {
        let hash = Data(digest).base64EncodedString()
        var body: [String: Any] = [
            "credentialID": credential, "hash": [hash], "hashAlgo": hashAlgorithm.oid,
            "signAlgo": pss ? PSSParameters.oid : keyIsRSA ? "1.2.840.113549.1.1.1" : "1.2.840.10045.2.1",
        ]
        if pss { body["signAlgoParams"] = Data(PSSParameters(digest: hashAlgorithm).der).base64EncodedString() }
        for attempt in 0..<2 {
            body["SAD"] = try activation(for: hash, renew: attempt > 0)
            do {
                let answer = try Self.call(service, "signatures/signHash", body, token: token, timeout: timeout)
                guard let signatures = answer["signatures"] as? [String], let first = signatures.first,
                    let value = Data(base64Encoded: first)
                else { throw Failure(description: "\(credential): signHash gave no signature", unreachable: false) }
                // The service's answer is checked like a token's: it must verify under the certificate.
                guard
                    certificate.verifies(signature: [UInt8](value), digest: digest, algorithm: hashAlgorithm, pss: pss)
                else {
                    throw Failure(
                        description: "\(credential): the service's signature does not verify under the credential's "
                            + "certificate", unreachable: false)
                }
                return [UInt8](value)
            } catch let failure as Failure where attempt == 0 && failure.kind == .refused {
                continue  // the SAD may have run out or expired: authorise again, once
            }
        }
        throw Failure(description: "\(credential): the service refused the signature", unreachable: false)
    }

    /// The SAD to sign `hash` with: the batch's (asked for once), or one for this hash alone.
    func activation(for hash: String, renew: Bool) throws -> String {
        if !hashBinding {
            lock.lock()
            defer { lock.unlock() }
            if let sad, !renew { return sad }
        }
        var request: [String: Any] = [
            "credentialID": credential, "numSignatures": hashBinding ? 1 : min(expectedSignatures, batchLimit),
        ]
        if hashBinding { request["hash"] = [hash] }
        request["PIN"] = pin.withBytes { String(decoding: $0, as: UTF8.self) }
        let answer = try Self.call(service, "credentials/authorize", request, token: token, timeout: timeout)
        guard let granted = answer["SAD"] as? String else {
            throw Failure(description: "\(credential): credentials/authorize gave no SAD", unreachable: false)
        }
        if !hashBinding {
            lock.lock()
            sad = granted
            lock.unlock()
        }
        return granted
    }

    static func algorithm(forLength length: Int) -> DigestAlgorithm {
        length == 64 ? .sha512 : length == 48 ? .sha384 : .sha256
    }

    /// POSTs JSON to `service/csc/v1/method` with the bearer token and returns the JSON object.
    static func call(
        _ service: String, _ method: String, _ body: [String: Any], token: Secret, timeout: Int
    ) throws(Failure) -> [String: Any] {
        let data: [UInt8]
        do { data = [UInt8](try JSONSerialization.data(withJSONObject: body)) } catch {
            throw Failure(description: "cannot encode a \(method) request", unreachable: false)
        }
        let bearer = token.withBytes { "Bearer " + String(decoding: $0, as: UTF8.self) }
        let answer: [UInt8]
        do {
            answer = try HTTPClient.postJSON(
                url: "\(service)/csc/v1/\(method)", body: data, headers: [("Authorization", bearer)],
                timeout: timeout)
        } catch {
            let text = "\(error)"
            // OpenSSL reports a refusal as an HTTP error status; anything else is the connection.
            let refused = text.contains("received error") || text.contains("code=4")
            throw Failure("\(service): \(method): \(text)", refused ? .refused : .unreachable)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(answer))) as? [String: Any] else {
            throw Failure(description: "\(service): \(method) did not answer with a JSON object", unreachable: true)
        }
        return object
    }
}

extension SigningIdentity {
    /// The identity of a credential of a CSC signing service: the key stays with the service; each
    /// signature it returns is verified under the certificate before it is used.
    public static func load(csc credential: CSCCredential) throws(SigningError) -> SigningIdentity {
        let privateKey: PrivateKey
        do { privateKey = try PrivateKey.external(certificate: credential.certificate, signer: credential) } catch {
            throw .crypto("cannot use the CSC credential \(credential.credential): \(error)")
        }
        return try SigningIdentity(
            privateKey: privateKey, certificate: credential.certificate, chain: credential.chain, checked: true)
    }
}
