/// The CAdES long-term attributes certificate-values and revocation-values (ETSI EN 319 122-1
/// § 5.5.2 and § 5.5.3), as `.p7s` files signed B-LT by earlier esign versions carry them. esign
/// now writes validation material into SignedData itself (``SignedDataStructure``), where archive
/// timestamps find it; these are read so that the older files still verify.
public enum CAdESValidationData {
    public static let idRevocationValues = "1.2.840.113549.1.9.16.2.24"
    static let idPKIXOCSPBasic = "1.3.6.1.5.5.7.48.1.1"

    /// A BasicOCSPResponse wrapped back into a successful OCSPResponse, the form OpenSSL's OCSP
    /// functions read.
    static func ocspResponse(wrapping basic: [UInt8]) -> [UInt8] {
        DER.sequence(
            DER.tlv(0x0A, [0]),
            DER.context(0, DER.sequence(DER.oid(idPKIXOCSPBasic), DER.octetString(basic))))
    }

    /// The CRLs and OCSP responses (as OCSPResponse) a revocation-values attribute value holds:
    /// RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
    /// ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL }.
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
