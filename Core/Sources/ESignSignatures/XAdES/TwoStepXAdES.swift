import ESignCore
import ESignCrypto
import Foundation

/// Two-step signing of XML documents: the first step fixes the signing time and the signature's
/// Id and gives the digest of the canonical SignedInfo for the key to sign; the second rebuilds
/// the same signature and accepts the key's signature only over that digest.
extension TwoStepSignature {
    /// The first step: what `certificate`'s key must sign for the XML document `xml` (or, detached,
    /// for the file `name`).
    public static func prepare(
        xml: [UInt8], name: String, packaging: XAdESSigner.Packaging, certificate: Certificate, chain: [Certificate],
        digest algorithm: DigestAlgorithm = .sha256, reason: String? = nil, location: String? = nil,
        rsaPSS: Bool = false, at time: Date = Date()
    ) throws(SigningError) -> TwoStepSignature {
        var prepared = TwoStepSignature(
            signingTime: Int64(time.timeIntervalSince1970), documentID: "", digestAlgorithm: algorithm, digest: "",
            reason: reason, location: location, fieldName: nil, rsaPSS: rsaPSS && certificate.hasRSAKey ? true : nil)
        prepared.xadesSignatureID = "xades-" + Hex.string(Random.bytes(8)).lowercased()
        prepared.xadesPackaging = packaging
        let recorder = Replay(signature: nil, expected: nil)
        let identity = try identity(certificate: certificate, chain: chain, signer: recorder)
        do { _ = try prepared.xadesSigner(identity).sign(xml, name: name) } catch {
            guard recorder.asked != nil else { throw error }
        }
        guard let asked = recorder.asked else { throw .crypto("the signature's digest was not computed") }
        prepared.digest = Data(asked).base64EncodedString()
        return prepared
    }

    /// The second step: the signed XML (or the detached signature), once `signature` verifies
    /// under `certificate` over the prepared digest and the rebuilt signature asks for it.
    public func complete(
        xml: [UInt8], name: String, certificate: Certificate, chain: [Certificate], signature: [UInt8]
    ) throws(SigningError) -> [UInt8] {
        guard let expected = Data(base64Encoded: digest).map({ [UInt8]($0) }) else {
            throw .badInput("the prepared signature's digest is not base64")
        }
        guard xadesSignatureID != nil else { throw .badInput("the prepared state is for a PDF, not an XML document") }
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
            let signed = try xadesSigner(identity).sign(xml, name: name)
            guard replay.asked == expected else { throw mismatch }
            return signed
        } catch {
            if let asked = replay.asked, asked != expected { throw mismatch }
            throw error
        }
    }

    func xadesSigner(_ identity: SigningIdentity) -> XAdESSigner {
        var signer = XAdESSigner(identity: identity)
        signer.packaging = xadesPackaging ?? .enveloped
        signer.digest = digestAlgorithm
        signer.rsaPadding = rsaPSS == true ? .pss : .pkcs1v15
        signer.signingTime = Date(timeIntervalSince1970: TimeInterval(signingTime))
        signer.signatureID = xadesSignatureID
        signer.role = reason
        signer.city = location
        signer.allowExpired = true  // the certificate was checked when the state was prepared
        return signer
    }
}
