/// A two-step signature under way (`POST /v1/signing-sessions`): the document and what was
/// prepared for it, kept in the database so that the second step may reach another instance.
public struct SigningSession: Sendable, Equatable {
    public var id: String
    public var client: String
    /// The prepared signature (`TwoStepSignature`, JSON).
    public var prepared: String
    /// The signer's certificate and chain, PEM.
    public var chainPEM: String
    public var pdf: [UInt8]
    /// Seconds since 1970.
    public var expiresAt: Int64

    public init(id: String, client: String, prepared: String, chainPEM: String, pdf: [UInt8], expiresAt: Int64) {
        self.id = id
        self.client = client
        self.prepared = prepared
        self.chainPEM = chainPEM
        self.pdf = pdf
        self.expiresAt = expiresAt
    }
}
