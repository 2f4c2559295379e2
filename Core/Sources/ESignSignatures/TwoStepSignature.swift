import ESignCore
import ESignCrypto
import Foundation

/// Signing in two steps, for keys on the signer's own machine (a USB token behind a browser's
/// signing plugin): `prepare` computes what the key must sign for a PDF and a certificate; the
/// key signs that digest wherever it is; `complete` checks the signature against the certificate
/// and builds the signed PDF. Nothing is kept between the steps but the original PDF and the
/// ``TwoStepSignature`` (the signing time and the trailer /ID are fixed in it), because building
/// the same update twice gives the same bytes: the second step recomputes the signed attributes
/// and accepts the signature only if their digest is the one that was signed.
///
/// PAdES B-B; a B-T timestamp's size would have to be fixed in advance as well.
public struct TwoStepSignature: Codable, Sendable, Equatable {
    /// Seconds since 1970 (the signature's /M).
    public var signingTime: Int64
    /// Hex of the trailer /ID's second half.
    public var documentID: String
    public var digestAlgorithm: DigestAlgorithm
    /// The digest the key signs (the signed attributes' hash), base64.
    public var digest: String
    public var reason: String?
    public var location: String?
    public var fieldName: String?
    /// RSA keys: the key signs the digest with RSASSA-PSS (MGF1 with the same hash, salt as long
    /// as the hash) instead of PKCS#1 v1.5. Absent in states written before it existed.
    public var rsaPSS: Bool?
    /// XML documents (XAdES): the signature's Id and packaging, fixed in the first step so the
    /// second builds the same signature. Absent for PDFs.
    public var xadesSignatureID: String?
    public var xadesPackaging: XAdESSigner.Packaging?

    enum CodingKeys: String, CodingKey {
        case signingTime = "signing_time"
        case documentID = "document_id"
        case digestAlgorithm = "digest_algorithm"
        case digest, reason, location
        case fieldName = "field_name"
        case rsaPSS = "rsa_pss"
        case xadesSignatureID = "xades_signature_id"
        case xadesPackaging = "xades_packaging"
    }

    /// A signer that only records what it was asked to sign (the first step) or answers with a
    /// signature made elsewhere over exactly that (the second).
    final class Replay: ExternalSigner, @unchecked Sendable {
        let signature: [UInt8]?
        let expected: [UInt8]?
        var asked: [UInt8]?
        init(signature: [UInt8]?, expected: [UInt8]?) {
            self.signature = signature
            self.expected = expected
        }
        struct Recorded: Error {}
        struct Mismatch: Error {}
        func sign(digest: [UInt8], algorithm: DigestAlgorithm?) throws -> [UInt8] {
            asked = digest
            guard let signature else { throw Recorded() }
            guard digest == expected else { throw Mismatch() }
            return signature
        }
        func signPSS(digest: [UInt8], message: [UInt8]?, algorithm: DigestAlgorithm) throws -> [UInt8] {
            try sign(digest: digest, algorithm: algorithm)
        }
        func pssRefusal(algorithm: DigestAlgorithm) -> String? { nil }
    }

    func options() -> PAdESOptions {
        var options = PAdESOptions()
        options.digest = digestAlgorithm
        options.rsaPadding = rsaPSS == true ? .pss : .pkcs1v15
        options.signingTime = Date(timeIntervalSince1970: TimeInterval(signingTime))
        options.documentID = Hex.decode(documentID)
        options.reason = reason
        options.location = location
        options.fieldName = fieldName
        return options
    }

    static func identity(
        certificate: Certificate, chain: [Certificate], signer: Replay
    ) throws(SigningError) -> SigningIdentity {
        let key: PrivateKey
        do { key = try PrivateKey.external(certificate: certificate, signer: signer) } catch {
            throw .identity("the certificate's key cannot be used: \(error)")
        }
        return try SigningIdentity(privateKey: key, certificate: certificate, chain: chain, checked: true)
    }

    /// The first step: what `certificate`'s key must sign for `pdf`.
    public static func prepare(
        pdf: [UInt8], certificate: Certificate, chain: [Certificate], digest algorithm: DigestAlgorithm = .sha256,
        reason: String? = nil, location: String? = nil, fieldName: String? = nil, rsaPSS: Bool = false,
        at time: Date = Date()
    ) throws(SigningError) -> TwoStepSignature {
        var prepared = TwoStepSignature(
            signingTime: Int64(time.timeIntervalSince1970), documentID: Hex.string(Random.bytes(16)),
            digestAlgorithm: algorithm, digest: "", reason: reason, location: location, fieldName: fieldName,
            rsaPSS: rsaPSS && certificate.hasRSAKey ? true : nil)
        let recorder = Replay(signature: nil, expected: nil)
        let identity = try identity(certificate: certificate, chain: chain, signer: recorder)
        do {
            _ = try PAdESSigner(identity: identity, options: prepared.options()).signedUpdate(pdf: pdf)
        } catch {
            guard recorder.asked != nil else { throw error }
        }
        guard let asked = recorder.asked else { throw .crypto("the signature's digest was not computed") }
        prepared.digest = Data(asked).base64EncodedString()
        return prepared
    }

    /// The second step: the signed PDF, once `signature` (PKCS#1 v1.5 or, when prepared so,
    /// RSASSA-PSS for RSA; DER for ECDSA)
    /// verifies under `certificate` over this digest and the rebuilt update asks for that digest.
    public func complete(
        pdf: [UInt8], certificate: Certificate, chain: [Certificate], signature: [UInt8]
    ) throws(SigningError) -> (pdf: [UInt8], sha256: String) {
        guard let expected = Data(base64Encoded: digest).map({ [UInt8]($0) }) else {
            throw .badInput("the prepared signature's digest is not base64")
        }
        guard
            certificate.verifies(
                signature: signature, digest: expected, algorithm: digestAlgorithm, pss: rsaPSS == true)
        else {
            throw .identity("the signature does not verify under the signer's certificate over the prepared digest")
        }
        let replay = Replay(signature: signature, expected: expected)
        let identity = try Self.identity(certificate: certificate, chain: chain, signer: replay)
        let mismatch = SigningError.badInput(
            "the document or the options differ from the prepared ones (another digest)")
        do throws(SigningError) {
            let (update, sha256) = try PAdESSigner(identity: identity, options: options()).signedUpdate(pdf: pdf)
            guard replay.asked == expected else { throw mismatch }
            return (pdf + update, sha256)
        } catch {
            if let asked = replay.asked, asked != expected { throw mismatch }
            throw error
        }
    }
}
