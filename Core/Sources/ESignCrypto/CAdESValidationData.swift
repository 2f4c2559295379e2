/// The CAdES long-term attributes (ETSI EN 319 122-1 § 5.5.2 and § 5.5.3): certificate-values and
/// revocation-values, unsigned attributes that carry a detached signature's validation material
/// inside the `.p7s`, as the DSS does for a PDF.
public enum CAdESValidationData {
    public static let idCertificateValues = "1.2.840.113549.1.9.16.2.23"
    public static let idRevocationValues = "1.2.840.113549.1.9.16.2.24"
    static let idPKIXOCSPBasic = "1.3.6.1.5.5.7.48.1.1"

    /// CertificateValues ::= SEQUENCE OF Certificate.
    public static func certificateValues(_ certificates: [[UInt8]]) -> [UInt8] {
        DER.sequence(of: certificates)
    }

    /// RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
    /// ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL }. OCSP responses are given whole
    /// (OCSPResponse); their BasicOCSPResponse is what the attribute holds.
    public static func revocationValues(crls: [[UInt8]], ocspResponses: [[UInt8]]) -> [UInt8] {
        var fields: [UInt8] = []
        if !crls.isEmpty { fields += DER.context(0, DER.sequence(of: crls)) }
        let basics = ocspResponses.compactMap(basicResponse(of:))
        if !basics.isEmpty { fields += DER.context(1, DER.sequence(of: basics)) }
        return DER.tlv(0x30, fields)
    }

    /// The BasicOCSPResponse inside an OCSPResponse's responseBytes.
    static func basicResponse(of response: [UInt8]) -> [UInt8]? {
        let reader = DERReader(response)
        guard let top = reader.element(at: 0), top.tag == 0x30 else { return nil }
        let fields = reader.children(of: top)
        guard fields.count == 2, fields[1].tag == 0xA0, let bytes = reader.children(of: fields[1]).first,
            bytes.tag == 0x30
        else { return nil }
        let parts = reader.children(of: bytes)
        guard parts.count == 2, parts[1].tag == 0x04 else { return nil }
        return Array(response[parts[1].content])
    }

    /// A BasicOCSPResponse wrapped back into a successful OCSPResponse, the form OpenSSL's OCSP
    /// functions read.
    static func ocspResponse(wrapping basic: [UInt8]) -> [UInt8] {
        DER.sequence(
            DER.tlv(0x0A, [0]),
            DER.context(0, DER.sequence(DER.oid(idPKIXOCSPBasic), DER.octetString(basic))))
    }

    /// The CRLs and OCSP responses (as OCSPResponse) a revocation-values attribute value holds.
    public static func read(revocationValues der: [UInt8]) -> (crls: [[UInt8]], ocspResponses: [[UInt8]]) {
        let reader = DERReader(der)
        guard let top = reader.element(at: 0), top.tag == 0x30 else { return ([], []) }
        var crls: [[UInt8]] = []
        var ocsps: [[UInt8]] = []
        for field in reader.children(of: top) {
            guard let list = reader.children(of: field).first, list.tag == 0x30 else { continue }
            let items = reader.children(of: list).map { Array(der[$0.range]) }
            switch field.tag {
            case 0xA0: crls += items
            case 0xA1: ocsps += items.map(ocspResponse(wrapping:))
            default: break
            }
        }
        return (crls, ocsps)
    }
}

extension CMSSignedData {
    /// Adds the validation material as certificate-values and revocation-values (CAdES-LT).
    public mutating func addValidationData(certificates: [[UInt8]], crls: [[UInt8]], ocspResponses: [[UInt8]]) {
        unsignedAttributes.append(
            Self.attribute(
                CAdESValidationData.idCertificateValues, CAdESValidationData.certificateValues(certificates)))
        unsignedAttributes.append(
            Self.attribute(
                CAdESValidationData.idRevocationValues,
                CAdESValidationData.revocationValues(crls: crls, ocspResponses: ocspResponses)))
    }
}
