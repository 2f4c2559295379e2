// ESign: the library other services import. It re-exports the modules below it so that
// `import ESign` gives the whole public API: OpenSSL-backed crypto types, the PDF engine,
// and signing.
@_exported import ESignCore
@_exported import ESignCrypto
@_exported import ESignPDF
@_exported import ESignSignatures
@_exported import ESignTimestamps
@_exported import ESignLedger
@_exported import ESignAppearance
@_exported import ESignIssuance
@_exported import ESignServer
