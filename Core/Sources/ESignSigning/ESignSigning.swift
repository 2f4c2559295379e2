// ESignSigning: the signing and verification core, for services that sign, verify and timestamp
// but keep no ledger and serve no HTTP: OpenSSL-backed crypto types, the PDF engine, appearances,
// XML reading and canonicalisation, PAdES/CAdES/XAdES signing and verification, RFC 3161
// timestamps, Decree 30 issuance. It links no server or database package.
@_exported import ESignAppearance
@_exported import ESignCore
@_exported import ESignCrypto
@_exported import ESignIssuance
@_exported import ESignPDF
@_exported import ESignPDFSecurity
@_exported import ESignPKCS11
@_exported import ESignSignatures
@_exported import ESignTimestamps
@_exported import ESignXML
