/// RFC 3161 messages on the client side: the request esign sends, and the reply it reads back.
public enum TimestampProtocol {
    /// TimeStampReq DER: version 1, the message imprint, a random nonce, certReq TRUE (so the TSA
    /// certificate travels with the token), and an optional policy.
    public static func request(
        imprint: [UInt8], algorithm: DigestAlgorithm, nonce: [UInt8], policyOID: String? = nil
    ) -> [UInt8] {
        var parts = [
            DER.integer(1),
            DER.sequence(DER.algorithm(algorithm.oid), DER.octetString(imprint)),
        ]
        if let policyOID { parts.append(DER.oid(policyOID)) }
        var n = nonce
        while n.count > 1 && n[0] == 0 { n.removeFirst() }
        if let first = n.first, first & 0x80 != 0 { n.insert(0, at: 0) }
        parts.append(DER.tlv(0x02, n))
        parts.append(DER.boolean(true))
        return DER.sequence(of: parts)
    }

    /// Why a TSA reply was not a usable token.
    public enum ReplyError: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(String)
        case rejected(status: Int, text: String)
        case mismatch(String)
        public var description: String {
            switch self {
            case .malformed(let why): return "the TSA's reply is malformed: \(why)"
            case .rejected(let status, let text):
                return "the TSA refused the request (status \(status)\(text.isEmpty ? "" : ": \(text)"))"
            case .mismatch(let why): return "the TSA's token does not answer the request: \(why)"
            }
        }
    }

    /// Reads a TimeStampResp: the PKIStatus, then the token, which must carry the request's imprint
    /// and nonce and verify. Returns the token DER.
    public static func token(
        fromReply reply: [UInt8], imprint: [UInt8], nonce: [UInt8]
    ) throws(ReplyError) -> TimestampToken {
        let reader = DERReader(reply)
        guard let response = reader.element(at: 0), response.tag == 0x30 else {
            throw .malformed("not a TimeStampResp")
        }
        let children = reader.children(of: response)
        guard let statusInfo = children.first, statusInfo.tag == 0x30,
            let statusElement = reader.children(of: statusInfo).first, statusElement.tag == 0x02
        else {
            throw .malformed("no PKIStatusInfo")
        }
        let status = reader[statusElement.content].reduce(0) { $0 << 8 | Int($1) }
        guard status == 0 || status == 1 else {
            let text =
                reader.children(of: statusInfo).dropFirst().first.map {
                    String(decoding: reader[$0.content], as: UTF8.self)
                } ?? ""
            throw .rejected(status: status, text: text.filter { $0.isLetter || $0.isNumber || $0 == " " })
        }
        guard children.count >= 2 else { throw .malformed("granted, but no token") }
        let token: TimestampToken
        do { token = try TimestampToken(der: reader[children[1].range]) } catch { throw .malformed("\(error)") }
        guard token.imprint == imprint else { throw .mismatch("another message imprint") }
        var expected = nonce
        while expected.count > 1 && expected[0] == 0 { expected.removeFirst() }
        if let got = token.nonce {
            var n = got
            while n.count > 1 && n[0] == 0 { n.removeFirst() }
            guard n == expected else { throw .mismatch("another nonce") }
        } else {
            throw .mismatch("no nonce")
        }
        guard token.signatureVerifies else { throw .mismatch("the token's signature does not verify") }
        return token
    }
}
