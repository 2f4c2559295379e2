// ESign: everything esign offers in one import. A service that needs less depends on a smaller
// product: ESignSigning (signing, verification, timestamps, issuance), ESignLedger (the ledger of
// issued documents and coverage statistics, on SQLite or PostgreSQL), ESignServer (the HTTP
// services).
@_exported import ESignLedger
@_exported import ESignServer
@_exported import ESignSigning
