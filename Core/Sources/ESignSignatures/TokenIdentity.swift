import ESignCrypto
import ESignPKCS11
import Foundation

extension SigningIdentity {
    /// The identity of a key on a PKCS#11 token: the key stays there, the certificate comes from
    /// the token, the chain from `chainPEM` or else from the CA certificates stored beside it.
    /// `pin` is asked only when the token needs one; it is called at most once.
    public static func load(
        pkcs11 uri: PKCS11URI, chainPEM chainPath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        pin: (TokenInfo) throws(PKCS11Error) -> Secret?
    ) throws(SigningError) -> SigningIdentity {
        let key: TokenKey
        do {
            key = try TokenKey.open(uri: uri, environment: environment, pin: pin)
        } catch {
            throw SigningError.token(error)
        }
        let chain: [Certificate]
        if let chainPath {
            chain = try loadCertificates(chainPath)
        } else {
            chain = key.certificate.issuers(among: key.otherCertificates)
        }
        let privateKey: PrivateKey
        do {
            privateKey = try PrivateKey.external(certificate: key.certificate, signer: key)
        } catch {
            throw .crypto("cannot use the key on token \"\(key.token.label)\": \(error)")
        }
        return try SigningIdentity(privateKey: privateKey, certificate: key.certificate, chain: chain, checked: true)
    }
}

extension SigningError {
    /// A token failure as the group the CLI maps to an exit code: unreachable tokens apart.
    public static func token(_ error: PKCS11Error) -> SigningError {
        error.isUnreachable ? .tokenUnavailable(error.description) : .identity(error.description)
    }
}
