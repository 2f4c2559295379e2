import ESignLedger
import ESignSigning
import Foundation
import Hummingbird
import NIOCore

/// Two-step signing for keys that stay on the signer's machine (a USB token behind a browser's
/// signing plugin): `POST /v1/signing-sessions` takes the PDF and the signer's certificate chain
/// and answers the digest the key must sign; `POST /v1/signing-sessions/{id}/signature` takes
/// the signature, checks it against the certificate and answers the signed PDF. Sessions live in
/// the database (any instance may complete one) for `limits.signingSessionSeconds`, once.
extension SigningService {
    func addSigningSessionRoutes(_ router: Router<ServiceRequestContext>) {
        router.post("/v1/signing-sessions") { request, _ in try await self.prepareSession(request) }
        router.post("/v1/signing-sessions/:id/signature") { request, context in
            try await self.completeSession(request, id: context.parameters.get("id") ?? "")
        }
    }

    func prepareSession(_ request: Request) async throws -> Response {
        let client = try await authenticator.client(for: request, scope: .sign)
        let query = try Query(request, allowed: ["reason", "location", "digest", "padding"])
        let digest = try query.digest()
        let padding = try query.padding(default: configuration.rsaPadding)
        guard request.mediaType == "multipart/form-data", let contentType = request.headers[.contentType],
            let boundary = MultipartForm.boundary(of: contentType)
        else {
            throw Problem.unsupportedMediaType(
                "send multipart/form-data with the PDF (file) and the signer's certificate chain (chain, PEM)")
        }
        let lifetime = Int64(configuration.limits.signingSessionSeconds)
        return try await bodies.withBody(request) { body in
            let form: MultipartForm
            do { form = try MultipartForm(body: body, boundary: boundary) } catch {
                throw Problem.badRequest("\(error)")
            }
            guard let file = form.part("file"), !file.body.isEmpty else {
                throw Problem.badRequest("the form has no part named file (the PDF)")
            }
            guard let chainPart = form.part("chain") else {
                throw Problem.badRequest("the form has no part named chain (the signer's certificate first, PEM)")
            }
            let chainPEM = String(decoding: chainPart.body, as: UTF8.self)
            let certificates: [Certificate]
            do { certificates = try Certificate.load(Array(chainPart.body)) } catch {
                throw Problem.badRequest("the chain part holds no certificate esign can read")
            }
            guard let certificate = certificates.first else {
                throw Problem.badRequest("the chain part holds no certificate")
            }
            let pdf = Array(file.body)
            let reason = query["reason"]
            let location = query["location"]
            let prepared: TwoStepSignature
            do {
                prepared = try await self.onWorker {
                    try TwoStepSignature.prepare(
                        pdf: pdf, certificate: certificate, chain: Array(certificates.dropFirst()), digest: digest,
                        reason: reason, location: location, rsaPSS: padding == .pss)
                }
            } catch { throw Self.problem(signing: error) }
            let id = APIToken.generate().replacingOccurrences(of: APIToken.prefix, with: "ss_")
            let expiresAt = Int64(Date().timeIntervalSince1970) + lifetime
            try await self.ledger.store.addSigningSession(
                SigningSession(
                    id: id, client: client.name, prepared: Responses.encode(prepared), chainPEM: chainPEM, pdf: pdf,
                    expiresAt: expiresAt))
            try await self.audit.record(
                AuditEvent(
                    at: Ledger.currentTime, client: client.name, action: "two-step-prepare",
                    keyID: "certificate:" + certificate.serialNumberHex, documentSHA256: FileDigest.sha256Hex(pdf),
                    outcome: "ok", detail: certificate.subject.commonName))
            let rsa = certificate.hasRSAKey
            return Responses.json(
                .object([
                    ("id", .string(id)), ("digest", .string(prepared.digest)),
                    ("digest_algorithm", .string(digest.rawValue)),
                    (
                        "signature_algorithm",
                        .string(rsa ? (prepared.rsaPSS == true ? "rsassa-pss" : "rsa-pkcs1-v1_5") : "ecdsa")
                    ),
                    (
                        "expires_at",
                        .string(CivilTime.iso8601(secondsSince1970: Int(expiresAt), offsetSeconds: 7 * 3600))
                    ),
                ]))
        }
    }

    func completeSession(_ request: Request, id: String) async throws -> Response {
        let client = try await authenticator.client(for: request, scope: .sign)
        _ = try Query(request, allowed: [])
        guard let session = try await ledger.store.signingSession(id: id, client: client.name) else {
            throw Problem.notFound("no signing session \(id) of this client that is still open")
        }
        guard Int64(Date().timeIntervalSince1970) < session.expiresAt else {
            throw Problem(.gone, "session-expired", "The signing session has expired", detail: "prepare it again")
        }
        let mediaType = request.mediaType
        let signature: [UInt8] = try await bodies.withBody(request) { body in
            if mediaType == "application/json" {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
                    let text = object["signature"] as? String, let bytes = Data(base64Encoded: text)
                else { throw Problem.badRequest("the JSON body has no base64 signature") }
                return [UInt8](bytes)
            }
            return body
        }
        guard !signature.isEmpty, signature.count <= 1024 else {
            throw Problem.badRequest("send the raw signature value (PKCS#1 v1.5 for RSA, DER for ECDSA)")
        }
        let prepared: TwoStepSignature
        do { prepared = try JSONDecoder().decode(TwoStepSignature.self, from: Data(session.prepared.utf8)) } catch {
            throw Problem.internalError("the session cannot be read")
        }
        let certificates: [Certificate]
        do { certificates = try Certificate.load(Array(session.chainPEM.utf8)) } catch {
            throw Problem.internalError("the session's certificates cannot be read")
        }
        let certificate = certificates[0]
        let pdf = session.pdf
        let event = AuditEvent(
            at: Ledger.currentTime, client: client.name, action: "two-step-sign",
            keyID: "certificate:" + certificate.serialNumberHex, outcome: "ok", detail: certificate.subject.commonName)
        let signed: (pdf: [UInt8], sha256: String)
        do {
            signed = try await onWorker {
                try prepared.complete(
                    pdf: pdf, certificate: certificate, chain: Array(certificates.dropFirst()), signature: signature)
            }
        } catch {
            let why = Self.problem(signing: error).detail
            var failed = event
            failed.outcome = "failed"
            failed.detail = why
            try await audit.record(failed)
            throw Problem.unprocessable("signature-refused", why)
        }
        guard try await ledger.store.completeSigningSession(id: id) else {
            throw Problem.conflict("session-completed", "the signing session \(id) was completed already")
        }
        var done = event
        done.documentSHA256 = signed.sha256
        try await audit.record(done)
        var headers = HTTPFields()
        headers[.eSignDocumentSHA256] = signed.sha256
        return Responses.bytes(signed.pdf, type: "application/pdf", headers: headers)
    }
}
