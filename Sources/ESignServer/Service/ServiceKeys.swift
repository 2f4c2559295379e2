import ESignSigning
import Foundation

/// The keys a service signs with, loaded once at start: each with its id, the unit it signs for,
/// and the image its signatures show in issued documents.
public struct ServiceKey: Sendable {
    public var id: String
    public var unit: String
    public var identity: SigningIdentity
    public var image: PNGImage?
    /// SHA-256 of the PIN that authorises CSC signatures with this key; nil: not a CSC credential.
    public var authorizationPIN: [UInt8]?
}

extension ServiceConfiguration.KeySource {
    /// Loads the identity, reading its password or PIN from the file named (secrets only by file).
    public func loadIdentity() throws(SigningError) -> SigningIdentity {
        switch location {
        case .pkcs12(let path, let passwordFile):
            return try SigningIdentity.load(pkcs12: path, password: try Self.secret(passwordFile))
        case .pem(let key, let certificate, let chain, let passwordFile):
            return try SigningIdentity.load(
                keyPEM: key, certificatePEM: certificate, chainPEM: chain,
                password: try passwordFile.map { (f: String) throws(SigningError) in try Self.secret(f) })
        case .token(let text, let pinFile, let chain):
            let uri: PKCS11URI
            do { uri = try PKCS11URI(parsing: text) } catch { throw .identity(error.description) }
            return try SigningIdentity.load(pkcs11: uri, chainPEM: chain) { _ throws(PKCS11Error) in
                guard let pinFile else { return nil }
                guard let pin = Secret.firstLine(ofFile: pinFile) else {
                    throw PKCS11Error.pinRequired("cannot read PIN file \(pinFile)")
                }
                return pin
            }
        }
    }

    public func load() throws(SigningError) -> ServiceKey {
        let identity = try loadIdentity()
        var png: PNGImage?
        if let image {
            do { png = try PNGImage(path: image) } catch {
                throw .identity("keys \(id): image \(image): \(error)")
            }
        }
        var pin: [UInt8]?
        if let authorizationPinFile {
            let secret = try Self.secret(authorizationPinFile)
            pin = secret.withBytes { FileDigest.sha256(Array($0)) }
        }
        return ServiceKey(id: id, unit: unit, identity: identity, image: png, authorizationPIN: pin)
    }

    static func secret(_ path: String) throws(SigningError) -> Secret {
        guard let secret = Secret.firstLine(ofFile: path) else {
            throw .missingInput("cannot read password file \(path)")
        }
        return secret
    }
}
