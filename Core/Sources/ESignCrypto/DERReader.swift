/// A minimal DER reader: walks tag-length-value elements without interpreting them, for the few
/// places esign needs bytes exactly as they were signed (a SignerInfo's signed attributes).
public struct DERReader {
    public struct Element {
        public let tag: UInt8
        /// The whole element (tag, length and content) and its content, as offsets into the input.
        public let range: Range<Int>
        public let content: Range<Int>
    }

    let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The element starting at `offset`, or nil when the bytes are not well-formed DER there.
    public func element(at offset: Int) -> Element? {
        guard offset + 2 <= bytes.count else { return nil }
        let tag = bytes[offset]
        var length = Int(bytes[offset + 1])
        var header = 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 4, offset + 2 + count <= bytes.count else { return nil }
            length = 0
            for i in 0..<count { length = length << 8 | Int(bytes[offset + 2 + i]) }
            header += count
        }
        let start = offset + header
        guard length >= 0, start + length <= bytes.count else { return nil }
        return Element(tag: tag, range: offset..<(start + length), content: start..<(start + length))
    }

    /// The elements directly inside a constructed element.
    public func children(of parent: Element) -> [Element] {
        var result: [Element] = []
        var offset = parent.content.lowerBound
        while offset < parent.content.upperBound, let child = element(at: offset) {
            result.append(child)
            offset = child.range.upperBound
        }
        return result
    }

    public subscript(range: Range<Int>) -> [UInt8] { Array(bytes[range]) }

    /// The signed attributes of each SignerInfo of a CMS ContentInfo(SignedData), re-tagged as the
    /// SET OF that the signature covers (RFC 5652 §5.4); nil for a SignerInfo without them.
    public static func signedAttributes(ofContentInfo der: [UInt8]) -> [[UInt8]?] {
        let reader = DERReader(der)
        guard let contentInfo = reader.element(at: 0), contentInfo.tag == 0x30,
            let explicit = reader.children(of: contentInfo).dropFirst().first, explicit.tag == 0xA0,
            let signedData = reader.children(of: explicit).first, signedData.tag == 0x30,
            let signerInfos = reader.children(of: signedData).last, signerInfos.tag == 0x31
        else { return [] }
        return reader.children(of: signerInfos).map { signerInfo in
            guard let attrs = reader.children(of: signerInfo).first(where: { $0.tag == 0xA0 }) else { return nil }
            var bytes = reader[attrs.range]
            bytes[0] = 0x31
            return bytes
        }
    }

    /// The digest algorithms a CMS ContentInfo(SignedData) declares (its `digestAlgorithms` set),
    /// each as the DER of its OID, read without parsing the rest: a hint for hashing the content
    /// ahead of the check; what counts is each SignerInfo's own algorithm.
    public static func digestAlgorithms(ofContentInfo der: [UInt8]) -> [[UInt8]] {
        let reader = DERReader(der)
        guard let contentInfo = reader.element(at: 0), contentInfo.tag == 0x30,
            let explicit = reader.children(of: contentInfo).dropFirst().first, explicit.tag == 0xA0,
            let signedData = reader.children(of: explicit).first, signedData.tag == 0x30,
            let algorithms = reader.children(of: signedData).dropFirst().first, algorithms.tag == 0x31
        else { return [] }
        return reader.children(of: algorithms).compactMap { algorithm in
            guard let oid = reader.children(of: algorithm).first, oid.tag == 0x06 else { return nil }
            return reader[oid.range]
        }
    }

    /// A CMS ContentInfo(SignedData) without its `certificates` field, and the DER of each
    /// certificate that field held, so that certificates can be parsed once and shared (see
    /// ``CertificateCache``). nil when the input is not plain DER of that shape, or the field
    /// holds anything but X.509 certificates: the caller then parses the input as it is.
    public static func separatingCertificates(
        ofContentInfo der: [UInt8]
    ) -> (rest: [UInt8], certificates: [ArraySlice<UInt8>])? {
        let reader = DERReader(der)
        // A PDF's /Contents is zero-padded after the DER; OpenSSL reads the DER and ignores the
        // zeros, and so does this. Anything else after it is left for OpenSSL to judge.
        guard let contentInfo = reader.element(at: 0), contentInfo.tag == 0x30,
            der[contentInfo.range.upperBound...].allSatisfy({ $0 == 0 })
        else { return nil }
        let outer = reader.children(of: contentInfo)
        guard outer.count == 2, outer[0].tag == 0x06, outer[1].tag == 0xA0,
            let signedData = reader.children(of: outer[1]).first, signedData.tag == 0x30,
            signedData.range == outer[1].content
        else { return nil }
        let fields = reader.children(of: signedData)
        guard fields.last?.range.upperBound == signedData.content.upperBound,
            let index = fields.firstIndex(where: { $0.tag == 0xA0 })
        else { return nil }
        let certificatesField = fields[index]
        let certificates = reader.children(of: certificatesField)
        guard certificates.allSatisfy({ $0.tag == 0x30 }),
            certificates.last?.range.upperBound ?? certificatesField.content.lowerBound
                == certificatesField.content.upperBound
        else { return nil }
        var body: [UInt8] = []
        body.reserveCapacity(signedData.content.count - certificatesField.range.count)
        for (i, field) in fields.enumerated() where i != index { body += der[field.range] }
        let rest = DER.tlv(0x30, Array(der[outer[0].range]) + DER.tlv(0xA0, DER.tlv(0x30, body)))
        return (rest, certificates.map { der[$0.range] })
    }
}
