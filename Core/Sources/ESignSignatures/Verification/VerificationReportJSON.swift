import ESignCore
import ESignCrypto
import ESignPDFSecurity
import Foundation

/// The `esign.verify/1` JSON of a report (docs/verify-report.md), written without `JSONEncoder`:
/// a batch verifies thousands of documents a second and writes one line for each. Keys are the
/// snake_case names `JSONEncoder` with `.convertToSnakeCase` gives the `Codable` properties, and
/// times are ISO 8601 in Vietnam time; a test holds the two encodings to the same text.
extension DocumentReport {
    public var jsonValue: JSONValue {
        .object([
            ("schema", .string(schema)), ("file", .string(file)), ("file_sha256", fileSHA256.map(JSONValue.string)),
            ("validation_time", .string(vietnamTime(validationTime))),
            ("signatures", .array(signatures.map(\.jsonValue))),
            ("indication", .string(indication.rawValue)),
            ("sub_indication", subIndication.map { .string($0.rawValue) }),
            ("summary", .string(summary)), ("error", error.map(JSONValue.string)),
            ("archive_protected_until", archiveProtectedUntil.map { .string(vietnamTime($0)) }),
            ("input_refused", inputRefused.map(JSONValue.bool)), ("needs_password", needsPassword.map(JSONValue.bool)),
            ("encryption", encryption.map(Self.json)),
        ])
    }

    static func json(_ encryption: PDFEncryptionSummary) -> JSONValue {
        .object([
            ("handler", .string(encryption.handler)), ("revision", .int(encryption.revision)),
            ("algorithm", .string(encryption.algorithm)),
            ("permissions", .array(encryption.permissions.map(JSONValue.string))),
            ("opened_with", .string(encryption.openedWith)),
        ])
    }

    /// One line of compact JSON, keys sorted.
    public var jsonLine: String { jsonValue.compactText }
}

extension SignatureReport {
    public var jsonValue: JSONValue {
        .object([
            ("kind", .string(kind.rawValue)), ("field_name", .string(fieldName)),
            ("sub_filter", subFilter.map(JSONValue.string)),
            ("signer", signer?.jsonValue),
            ("claimed_signing_time", claimedSigningTime.map { .string(vietnamTime($0)) }),
            ("proven_signing_time", provenSigningTime.map { .string(vietnamTime($0)) }),
            ("digest_algorithm", digestAlgorithm.map(JSONValue.string)),
            ("signature_algorithm", signatureAlgorithm.map(JSONValue.string)),
            ("byte_range", .array(byteRange.map(JSONValue.int))), ("coverage", .string(coverage.rawValue)),
            ("later_revisions", .int(laterRevisions)), ("modification_level", .string(modificationLevel.rawValue)),
            ("modifications", .array(modifications.map(JSONValue.string))),
            ("certification_level", certificationLevel.map(JSONValue.int)),
            ("checks", .array(checks.map(\.jsonValue))),
            ("indication", .string(indication.rawValue)),
            ("sub_indication", subIndication.map { .string($0.rawValue) }),
            ("summary", .string(summary)), ("level", level.map { .string($0.rawValue) }),
            ("trust_anchor", trustAnchor?.jsonValue), ("format", format.map(JSONValue.string)),
            ("covers", covers.map { .array($0.map(JSONValue.string)) }),
        ])
    }
}

extension TrustAnchorSummary {
    public var jsonValue: JSONValue {
        .object([("name", name.map(JSONValue.string)), ("subject", .string(subject)), ("sha256", .string(sha256))])
    }
}

extension CertificateSummary {
    public var jsonValue: JSONValue {
        .object([
            ("subject", .string(subject)), ("issuer", .string(issuer)), ("serial_number", .string(serialNumber)),
            ("not_before", .string(vietnamTime(notBefore))), ("not_after", .string(vietnamTime(notAfter))),
            ("public_key", .string(publicKey)), ("holder", holder?.jsonValue),
        ])
    }
}

extension CertificateHolder {
    public var jsonValue: JSONValue {
        .object([
            ("kind", .string(kind.rawValue)), ("name", name.map(JSONValue.string)),
            ("organization", organization.map(JSONValue.string)),
            ("organizational_unit", organizationalUnit.map(JSONValue.string)),
            ("title", title.map(JSONValue.string)), ("locality", locality.map(JSONValue.string)),
            ("province", province.map(JSONValue.string)),
            (
                "identifiers",
                .array(
                    identifiers.map {
                        .object([
                            ("scheme", .string($0.scheme)), ("value", .string($0.value)), ("label", .string($0.label)),
                            ("well_formed", .bool($0.wellFormed)),
                        ])
                    })
            ),
            ("unparsed", .array(unparsed.map(JSONValue.string))),
        ])
    }
}

extension Check {
    public var jsonValue: JSONValue {
        .object([
            ("name", .string(name)), ("outcome", .string(outcome.rawValue)), ("detail", detail.map(JSONValue.string)),
        ])
    }
}
