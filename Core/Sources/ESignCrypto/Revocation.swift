import CESignShims
import COpenSSL
import Foundation

/// Whether a certificate was revoked, and by which evidence.
public enum RevocationStatus: Sendable, Equatable {
    case good(source: String)
    case revoked(at: Date, source: String)
    /// The certificate publishes no OCSP responder or CRL: there is nothing to check.
    case notPublished
    /// Status could not be established (offline, unreachable, unsigned or unrelated responses).
    case unknown(reason: String)
}

/// Revocation evidence embedded in a document (a PDF's DSS): DER OCSP responses and CRLs.
public struct RevocationData: Sendable {
    public var ocspResponses: [[UInt8]] = []
    public var crls: [[UInt8]] = []
    public init(ocspResponses: [[UInt8]] = [], crls: [[UInt8]] = []) {
        self.ocspResponses = ocspResponses
        self.crls = crls
    }
    public var isEmpty: Bool { ocspResponses.isEmpty && crls.isEmpty }
}

/// Checks certificates against OCSP (RFC 6960) and CRLs (RFC 5280): first the evidence the
/// document embeds, then, unless offline, the responder (AIA) and distribution points (CDP)
/// the certificate names, fetched over HTTP with OpenSSL's client and a time limit.
/// Responses count only when their signatures verify under the issuer or a delegated responder
/// that chains to the trust anchors.
public struct RevocationChecker: Sendable {
    public let trustAnchors: [Certificate]
    public var offline: Bool
    public var timeout: Int

    public init(trustAnchors: [Certificate], offline: Bool, timeout: Int = 10) {
        self.trustAnchors = trustAnchors
        self.offline = offline
        self.timeout = timeout
    }

    public func status(
        of certificate: Certificate, issuer: Certificate, untrusted: [Certificate], embedded: RevocationData
    ) -> RevocationStatus {
        for der in embedded.ocspResponses {
            if let status = try? ocspStatus(
                der, certificate: certificate, issuer: issuer, untrusted: untrusted,
                source: "OCSP response in the document")
            {
                return status
            }
        }
        for der in embedded.crls {
            if let status = crlStatus(der, certificate: certificate, issuer: issuer, source: "CRL in the document") {
                return status
            }
        }
        let ocspURLs = certificate.ocspURLs
        let crlURLs = certificate.crlURLs
        if ocspURLs.isEmpty && crlURLs.isEmpty { return .notPublished }
        if offline {
            return .unknown(
                reason:
                    "offline, and the document embeds no revocation data for "
                    + "\(certificate.subject.commonName ?? "the certificate")"
            )
        }
        var problems: [String] = []
        for url in ocspURLs {
            do {
                let der = try queryOCSP(url: url, certificate: certificate, issuer: issuer)
                if let status = try ocspStatus(
                    der, certificate: certificate, issuer: issuer, untrusted: untrusted, source: "OCSP \(url)")
                {
                    return status
                }
                problems.append("OCSP \(url): no status for this certificate")
            } catch {
                problems.append("OCSP \(url): \(error)")
            }
        }
        for url in crlURLs {
            do {
                let der = try fetchCRL(url: url)
                if let status = crlStatus(der, certificate: certificate, issuer: issuer, source: "CRL \(url)") {
                    return status
                }
                problems.append("CRL \(url): not signed by the issuer")
            } catch {
                problems.append("CRL \(url): \(error)")
            }
        }
        return .unknown(reason: problems.joined(separator: "; "))
    }

    // MARK: OCSP

    func ocspStatus(
        _ der: [UInt8], certificate: Certificate, issuer: Certificate, untrusted: [Certificate],
        source: String
    ) throws(OpenSSLError) -> RevocationStatus? {
        let answer: OCSPAnswer
        switch readOCSP(der, certificate: certificate, issuer: issuer, untrusted: untrusted) {
        case .success(let read): answer = read
        case .failure(.otherCertificate): return nil
        case .failure(let problem): throw OpenSSLError(operation: problem.description)
        }
        switch answer.status {
        case V_OCSP_CERTSTATUS_GOOD: return .good(source: source)
        case V_OCSP_CERTSTATUS_REVOKED: return .revoked(at: answer.revokedAt ?? answer.thisUpdate, source: source)
        default: return .unknown(reason: "\(source) does not know the certificate")
        }
    }

    /// Why an OCSP response gives no answer to rely on.
    enum OCSPProblem: Error, CustomStringConvertible {
        case unreadable
        case refused(Int32)
        case otherCertificate, unsigned

        var description: String {
            switch self {
            case .unreadable: return "not an OCSP response"
            case .refused(let status): return "the responder refused (status \(status))"
            case .otherCertificate: return "the response is about another certificate"
            case .unsigned: return "the response is not signed by the issuer or a responder it authorised"
            }
        }
    }

    /// What one OCSP response says about one certificate, read and its signature checked.
    struct OCSPAnswer {
        let status: Int32
        let revokedAt: Date?
        let thisUpdate: Date
        let nextUpdate: Date?
        /// The certificates the response carries that are not the issuer (a delegated responder).
        let signers: [Certificate]
    }

    /// Reads `der`, finds its answer about `certificate`, and checks that the issuer or a
    /// responder the issuer authorised (chaining to the trust anchors) signed it.
    func readOCSP(
        _ der: [UInt8], certificate: Certificate, issuer: Certificate, untrusted: [Certificate]
    ) -> Result<OCSPAnswer, OCSPProblem> {
        defer { ERR_clear_error() }
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_OCSP_RESPONSE(nil, &cursor, buffer.count)
        }
        guard let response = parsed else { return .failure(.unreadable) }
        defer { OCSP_RESPONSE_free(response) }
        let responseStatus = OCSP_response_status(response)
        guard responseStatus == OCSP_RESPONSE_STATUS_SUCCESSFUL else { return .failure(.refused(responseStatus)) }
        guard let basic = OCSP_response_get1_basic(response) else { return .failure(.unreadable) }
        defer { OCSP_BASICRESP_free(basic) }
        guard let id = OCSP_cert_to_id(nil, certificate.pointer, issuer.pointer) else { return .failure(.unreadable) }
        defer { OCSP_CERTID_free(id) }
        var status: Int32 = -1
        var reason: Int32 = -1
        var revokedAt: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var thisUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var nextUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        guard OCSP_resp_find_status(basic, id, &status, &reason, &revokedAt, &thisUpdate, &nextUpdate) == 1 else {
            return .failure(.otherCertificate)
        }
        guard let store = X509_STORE_new(), let stack = esign_sk_X509_new_null() else {
            return .failure(.unreadable)
        }
        defer {
            X509_STORE_free(store)
            esign_sk_X509_pop_free(stack)
        }
        for anchor in trustAnchors { X509_STORE_add_cert(store, anchor.pointer) }
        for cert in [issuer] + untrusted {
            X509_up_ref(cert.pointer)
            esign_sk_X509_push(stack, cert.pointer)
        }
        guard OCSP_basic_verify(basic, stack, store, 0) > 0 else { return .failure(.unsigned) }
        var signers: [Certificate] = []
        if let certs = OCSP_resp_get0_certs(basic) {
            for i in 0..<OPENSSL_sk_num(certs) {
                guard let raw = OPENSSL_sk_value(certs, i), let cert = try? Certificate(borrowing: OpaquePointer(raw))
                else { continue }
                if cert != issuer { signers.append(cert) }
            }
        }
        return .success(
            OCSPAnswer(
                status: status, revokedAt: revokedAt.map { Certificate.date(UnsafePointer($0)) },
                thisUpdate: Certificate.date(UnsafePointer(thisUpdate)),
                nextUpdate: nextUpdate.map { Certificate.date(UnsafePointer($0)) }, signers: signers))
    }

    func queryOCSP(url: String, certificate: Certificate, issuer: Certificate) throws(OpenSSLError) -> [UInt8] {
        let request = try check(OCSP_REQUEST_new(), "OCSP_REQUEST_new")
        defer { OCSP_REQUEST_free(request) }
        guard let id = OCSP_cert_to_id(nil, certificate.pointer, issuer.pointer) else {
            throw OpenSSLError.capture("OCSP_cert_to_id")
        }
        guard OCSP_request_add0_id(request, id) != nil else {
            OCSP_CERTID_free(id)
            throw OpenSSLError.capture("OCSP_request_add0_id")
        }
        let body = try encodeDER("i2d_OCSP_REQUEST") { i2d_OCSP_REQUEST(request, $0) }
        return try HTTPClient.post(
            url: url, body: body, contentType: "application/ocsp-request",
            expectedType: "application/ocsp-response", timeout: timeout)
    }

    // MARK: CRL

    func crlStatus(_ der: [UInt8], certificate: Certificate, issuer: Certificate, source: String) -> RevocationStatus? {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_CRL(nil, &cursor, buffer.count)
        }
        guard let crl = parsed else {
            ERR_clear_error()
            return nil
        }
        defer { X509_CRL_free(crl) }
        guard X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer.pointer)) == 0,
            let key = X509_get0_pubkey(issuer.pointer), X509_CRL_verify(crl, key) == 1
        else {
            ERR_clear_error()
            return nil
        }
        var entry: OpaquePointer?
        if X509_CRL_get0_by_cert(crl, &entry, certificate.pointer) == 1, let entry {
            return .revoked(at: Certificate.date(X509_REVOKED_get0_revocationDate(entry)), source: source)
        }
        return .good(source: source)
    }

    func fetchCRL(url: String) throws(OpenSSLError) -> [UInt8] {
        try HTTPClient.get(url: url, timeout: timeout)
    }
}

/// An HTTP client over OpenSSL's: plain http:// (OCSP, CRLs and most TSAs), and https:// with
/// the server's certificate verified against the system's trust store (SSL_CERT_FILE and
/// SSL_CERT_DIR honoured) and its name against the URL's host (remote signing services).
/// Responses are read whole, never streamed.
public enum HTTPClient {
    static let maximumResponse = 16 << 20

    public static func get(url: String, timeout: Int) throws(OpenSSLError) -> [UInt8] {
        try transfer(url: url, body: nil, contentType: nil, expectedType: nil, timeout: timeout)
    }

    public static func post(
        url: String, body: [UInt8], contentType: String, expectedType: String, timeout: Int
    ) throws(OpenSSLError) -> [UInt8] {
        try transfer(url: url, body: body, contentType: contentType, expectedType: expectedType, timeout: timeout)
    }

    /// A POST of JSON with extra headers (a bearer token), answered with JSON; the status line is
    /// not exposed by OpenSSL's client, so an error answer (4xx, 5xx) is an error here too.
    public static func postJSON(
        url: String, body: [UInt8], headers: [(String, String)], timeout: Int
    ) throws(OpenSSLError) -> [UInt8] {
        try transfer(
            url: url, body: body, contentType: "application/json", expectedType: "application/json",
            timeout: timeout, headers: headers, asn1: false)
    }

    private static func transfer(
        url: String, body: [UInt8]?, contentType: String?, expectedType: String?, timeout: Int,
        headers: [(String, String)] = [], asn1: Bool = true
    ) throws(OpenSSLError) -> [UInt8] {
        OpenSSLError.clearQueue()
        var ssl: Int32 = 0
        var host: UnsafeMutablePointer<CChar>?
        var port: UnsafeMutablePointer<CChar>?
        var path: UnsafeMutablePointer<CChar>?
        guard OSSL_HTTP_parse_url(url, &ssl, nil, &host, &port, nil, &path, nil, nil) == 1 else {
            throw OpenSSLError.capture("parsing URL \(url)")
        }
        defer {
            esign_OPENSSL_free(host)
            esign_OPENSSL_free(port)
            esign_OPENSSL_free(path)
        }
        let request = try body.map { (bytes: [UInt8]) throws(OpenSSLError) in try MemoryBIO(bytes) }
        var headerStack: OpaquePointer?
        defer { if let headerStack { esign_http_headers_free(headerStack) } }
        for (name, value) in headers where esign_http_header_add(&headerStack, name, value) != 1 {
            throw OpenSSLError.capture("adding the HTTP header \(name)")
        }
        let response = esign_http_transfer(
            host, port, path, ssl, headerStack, contentType, request?.pointer, expectedType, asn1 ? 1 : 0,
            maximumResponse, Int32(timeout))
        guard let response else { throw OpenSSLError.capture("HTTP request to \(url)") }
        defer { BIO_free_all(response) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = BIO_read(response, &chunk, Int32(chunk.count))
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
            if out.count > maximumResponse {
                throw OpenSSLError(operation: "response from \(url) is larger than \(maximumResponse >> 20) MiB")
            }
        }
        return out
    }
}
