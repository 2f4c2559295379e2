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
        .object([  // in key order
            ("archive_protected_until", archiveProtectedUntil.map { .string(vietnamTime($0)) }),
            ("encryption", encryption.map(Self.json)), ("error", error.map(JSONValue.string)),
            ("file", .string(file)), ("file_sha256", fileSHA256.map(JSONValue.string)),
            ("indication", .string(indication.rawValue)), ("input_refused", inputRefused.map(JSONValue.bool)),
            ("needs_password", needsPassword.map(JSONValue.bool)), ("schema", .string(schema)),
            ("signatures", .array(signatures.map(\.jsonValue))),
            ("sub_indication", subIndication.map { .string($0.rawValue) }), ("summary", .string(summary)),
            ("validation_time", .string(vietnamTime(validationTime))),
        ])
    }

    static func json(_ encryption: PDFEncryptionSummary) -> JSONValue {
        .object([  // in key order
            ("algorithm", .string(encryption.algorithm)), ("handler", .string(encryption.handler)),
            ("opened_with", .string(encryption.openedWith)),
            ("permissions", .array(encryption.permissions.map(JSONValue.string))),
            ("revision", .int(encryption.revision)),
        ])
    }

    /// One line of compact JSON, keys sorted.
    public var jsonLine: String { jsonValue.compactText }
}

extension SignatureReport {
    public var jsonValue: JSONValue {
        .object([  // in key order
            ("byte_range", .array(byteRange.map(JSONValue.int))),
            ("certification_level", certificationLevel.map(JSONValue.int)),
            ("checks", .array(checks.map(\.jsonValue))),
            ("claimed_signing_time", claimedSigningTime.map { .string(vietnamTime($0)) }),
            ("coverage", .string(coverage.rawValue)), ("covers", covers.map { .array($0.map(JSONValue.string)) }),
            ("digest_algorithm", digestAlgorithm.map(JSONValue.string)), ("field_name", .string(fieldName)),
            ("format", format.map(JSONValue.string)), ("indication", .string(indication.rawValue)),
            ("kind", .string(kind.rawValue)), ("later_revisions", .int(laterRevisions)),
            ("level", level.map { .string($0.rawValue) }),
            ("modification_level", .string(modificationLevel.rawValue)),
            ("modifications", .array(modifications.map(JSONValue.string))),
            ("proven_signing_time", provenSigningTime.map { .string(vietnamTime($0)) }),
            ("signature_algorithm", signatureAlgorithm.map(JSONValue.string)), ("signer", signer?.jsonValue),
            ("sub_filter", subFilter.map(JSONValue.string)),
            ("sub_indication", subIndication.map { .string($0.rawValue) }), ("summary", .string(summary)),
            ("trust_anchor", trustAnchor?.jsonValue),
        ])
    }
}

extension TrustAnchorSummary {
    public var jsonValue: JSONValue {
        .object([("name", name.map(JSONValue.string)), ("sha256", .string(sha256)), ("subject", .string(subject))])
    }
}

extension CertificateSummary {
    public var jsonValue: JSONValue {
        .object([  // in key order
            ("holder", holder?.jsonValue), ("issuer", .string(issuer)),
            ("not_after", .string(vietnamTime(notAfter))), ("not_before", .string(vietnamTime(notBefore))),
            ("public_key", .string(publicKey)), ("serial_number", .string(serialNumber)),
            ("subject", .string(subject)),
        ])
    }
}

extension CertificateHolder {
    public var jsonValue: JSONValue {
        .object([  // in key order
            (
                "identifiers",
                .array(
                    identifiers.map {
                        .object([
                            ("label", .string($0.label)), ("scheme", .string($0.scheme)), ("value", .string($0.value)),
                            ("well_formed", .bool($0.wellFormed)),
                        ])
                    })
            ),
            ("kind", .string(kind.rawValue)), ("locality", locality.map(JSONValue.string)),
            ("name", name.map(JSONValue.string)), ("organization", organization.map(JSONValue.string)),
            ("organizational_unit", organizationalUnit.map(JSONValue.string)),
            ("province", province.map(JSONValue.string)), ("title", title.map(JSONValue.string)),
            ("unparsed", .array(unparsed.map(JSONValue.string))),
        ])
    }
}

extension Check {
    public var jsonValue: JSONValue {
        .object([
            ("detail", detail.map(JSONValue.string)), ("name", .string(name)), ("outcome", .string(outcome.rawValue)),
        ])
    }
}
