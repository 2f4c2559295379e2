import ESignLedger
import ESignSigning
import Foundation
import Hummingbird
import NIOCore

/// The Cloud Signature Consortium API v1.0.4 under `/csc/v1`, over the service's keys: clients
/// authenticate with the bearer tokens of `esign serve clients` (scope `sign`), list and inspect
/// the credentials of their units, obtain signature activation data (SAD) with the credential's
/// PIN, and have hashes signed. A SAD is bound to its credential, client, number of signatures
/// and (if given) hashes, expires after `limits.sadLifetimeSeconds`, and lives in the database so
/// that any instance honours it once.
extension SigningService {
    static let cscSpecification = "1.0.4.0"
    /// Most hashes in one `signHash` call (`multisign`).
    static let cscBatchLimit = 1000

    func addCSCRoutes(_ router: Router<ServiceRequestContext>) {
        let routes: [(String, @Sendable ([String: Any], Request) async throws -> JSONValue)] = [
            ("info", { body, _ in self.cscInfo(body) }),
            ("credentials/list", { body, request in try await self.cscList(body, request) }),
            ("credentials/info", { body, request in try await self.cscCredentialInfo(body, request) }),
            ("credentials/authorize", { body, request in try await self.cscAuthorize(body, request) }),
            ("signatures/signHash", { body, request in try await self.cscSignHash(body, request) }),
            ("signatures/timestamp", { body, request in try await self.cscTimestamp(body, request) }),
        ]
        for (name, handler) in routes {
            router.post(RouterPath("/csc/v1/" + name)) { request, _ in await self.csc(request, handler) }
        }
    }

    /// Reads the JSON body (small: hashes, not documents), runs `handler`, and answers CSC's way.
    func csc(
        _ request: Request, _ handler: @Sendable ([String: Any], Request) async throws -> JSONValue
    ) async -> Response {
        do {
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: 1 << 20) } catch {
                throw CSCError.invalidRequest("The request body is larger than 1 MiB")
            }
            var body: [String: Any] = [:]
            if buffer.readableBytes > 0 {
                guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)),
                    let dictionary = object as? [String: Any]
                else { throw CSCError.invalidRequest("The request body is not a JSON object") }
                body = dictionary
            }
            let answer = try await handler(body, request)
            return Responses.json(answer)
        } catch let error as CSCError {
            return error.response
        } catch let problem as Problem {
            return CSCError(problem).response
        } catch {
            logger.error("CSC request failed", metadata: ["error": "\(error)"])
            return CSCError.serverError("The request could not be completed").response
        }
    }

    func cscInfo(_ body: [String: Any]) -> JSONValue {
        var methods = ["credentials/list", "credentials/info", "credentials/authorize", "signatures/signHash"]
        if timestampResponder != nil { methods.append("signatures/timestamp") }
        return .object([
            ("specs", .string(Self.cscSpecification)), ("name", .string("esign")), ("logo", .string("")),
            ("region", .string("VN")), ("lang", .string("vi-VN")),
            ("description", .string("esign: chữ ký số cho văn bản hành chính")),
            ("authType", .array([.string("external")])), ("methods", .array(methods.map(JSONValue.string))),
        ])
    }

    /// A credential the caller may use: a key of its units with an authorisation PIN.
    func cscCredential(_ body: [String: Any], _ client: APIClient) async throws -> ServiceKey {
        guard let id = body["credentialID"] as? String, !id.isEmpty else {
            throw CSCError.invalidRequest("Missing (or invalid type) string parameter credentialID")
        }
        guard let key = keys[id], key.authorizationPIN != nil,
            (try await clientUnits(client)).reachable.contains(key.unit)
        else { throw CSCError.invalidRequest("Invalid parameter credentialID") }
        return key
    }

    func cscList(_ body: [String: Any], _ request: Request) async throws -> JSONValue {
        let client = try await authenticator.client(for: request, scope: .sign)
        let units = try await clientUnits(client)
        var ids = keys.values.filter { $0.authorizationPIN != nil && units.reachable.contains($0.unit) }.map(\.id)
            .sorted()
        if body["maxResults"] != nil {
            guard let max = JSONField.integer(body["maxResults"]), max > 0 else {
                throw CSCError.invalidRequest("Invalid parameter maxResults")
            }
            ids = Array(ids.prefix(max))
        }
        return .object([("credentialIDs", .array(ids.map(JSONValue.string)))])
    }

    func cscCredentialInfo(_ body: [String: Any], _ request: Request) async throws -> JSONValue {
        let client = try await authenticator.client(for: request, scope: .sign)
        let key = try await cscCredential(body, client)
        let certificates = body["certificates"] as? String ?? "single"
        guard ["none", "single", "chain"].contains(certificates) else {
            throw CSCError.invalidRequest("Invalid parameter certificates")
        }
        let identity = key.identity
        let certificate = identity.certificate
        var chain: [Certificate] = []
        if certificates != "none" { chain.append(certificate) }
        if certificates == "chain" { chain += identity.chain.filter { $0.der != certificate.der } }
        var cert: [(String, JSONValue?)] = [
            ("status", .string(certificate.isValid(at: Date()) ? "valid" : "expired")),
            ("certificates", .array(chain.map { .string(Data($0.der).base64EncodedString()) })),
        ]
        if JSONField.boolean(body["certInfo"]) == true {
            cert += [
                ("issuerDN", .string(certificate.issuer.description)),
                ("serialNumber", .string(certificate.serialNumberHex)),
                ("subjectDN", .string(certificate.subject.description)),
                ("validFrom", .string(Self.generalizedTime(certificate.notBefore))),
                ("validTo", .string(Self.generalizedTime(certificate.notAfter))),
            ]
        }
        var keyFields: [(String, JSONValue?)] = [("status", .string("enabled"))]
        switch identity.privateKey.kind {
        case .rsa(let bits):
            keyFields += [
                ("algo", .array(CSCSignatureAlgorithm.supported(rsa: true).map(JSONValue.string))), ("len", .int(bits)),
            ]
        case .ec(let curve):
            let bits = curve == .p256 ? 256 : curve == .p384 ? 384 : 521
            keyFields += [
                ("algo", .array(CSCSignatureAlgorithm.supported(rsa: false).map(JSONValue.string))),
                ("len", .int(bits)),
                (
                    "curve",
                    .string(curve == .p256 ? "1.2.840.10045.3.1.7" : curve == .p384 ? "1.3.132.0.34" : "1.3.132.0.35")
                ),
            ]
        case .other(let name): throw CSCError.serverError("The credential's key (\(name)) cannot be offered")
        }
        return .object([
            ("description", .string("\(certificate.subject.commonName ?? key.id) (\(key.unit))")),
            ("key", .object(keyFields)), ("cert", .object(cert)), ("authMode", .string("explicit")),
            ("SCAL", .string("1")),
            (
                "PIN",
                .object([
                    ("presence", .string("true")), ("format", .string("N")),
                    ("label", .string("PIN")), ("description", .string("Mã PIN của chứng thư số")),
                ])
            ),
            ("OTP", .object([("presence", .string("false"))])),
            ("multisign", .int(Self.cscBatchLimit)), ("lang", .string("vi-VN")),
        ])
    }

    static func generalizedTime(_ date: Date) -> String {
        CivilTime.iso8601(secondsSince1970: Int(date.timeIntervalSince1970), offsetSeconds: 0)
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            .replacingOccurrences(of: "T", with: "").replacingOccurrences(of: "+0000", with: "Z")
    }

    /// Base64 hashes of a request, each of a SHA-2 length.
    static func cscHashes(_ value: Any?, name: String = "hash") throws -> [String] {
        guard let list = value as? [String], !list.isEmpty else {
            throw CSCError.invalidRequest("Missing (or invalid type) array parameter \(name)")
        }
        for hash in list {
            guard let bytes = Data(base64Encoded: hash), [32, 48, 64].contains(bytes.count) else {
                throw CSCError.invalidRequest("Invalid Base64 \(name) string parameter")
            }
        }
        return list
    }

    func cscAuthorize(_ body: [String: Any], _ request: Request) async throws -> JSONValue {
        let client = try await authenticator.client(for: request, scope: .sign)
        let key = try await cscCredential(body, client)
        guard let count = JSONField.integer(body["numSignatures"]), count >= 1 else {
            throw CSCError.invalidRequest("Missing (or invalid type) integer parameter numSignatures")
        }
        guard count <= Self.cscBatchLimit else {
            throw CSCError.invalidRequest("numSignatures is greater than the credential's multisign value")
        }
        var hashes: [String] = []
        if body["hash"] != nil {
            hashes = try Self.cscHashes(body["hash"])
            guard hashes.count == count else {
                throw CSCError.invalidRequest("Numbers of signatures and hashes do not match")
            }
        }
        guard let pin = body["PIN"] as? String, !pin.isEmpty else {
            throw CSCError.invalidRequest("Missing (or invalid type) string parameter PIN")
        }
        let given = FileDigest.sha256(Array(pin.utf8))
        // Compared in constant time; a wrong PIN is audited like a refused signature.
        let expected = key.authorizationPIN ?? []
        guard given.count == expected.count, zip(given, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            try await audit.record(
                AuditEvent(
                    at: Ledger.currentTime, client: client.name, action: "csc-authorize", keyID: key.id,
                    unitCode: key.unit, outcome: "failed", detail: "invalid PIN"))
            throw CSCError(status: .badRequest, error: "invalid_request", description: "Invalid PIN")
        }
        let sad = APIToken.generate().replacingOccurrences(of: APIToken.prefix, with: "sad_")
        let expiresIn = Int64(configuration.limits.sadLifetimeSeconds)
        try await ledger.store.addAuthorization(
            SignatureAuthorization(
                sadSHA256: APIToken.hash(sad), credential: key.id, client: client.name, hashes: hashes,
                remaining: count, expiresAt: Int64(Date().timeIntervalSince1970) + expiresIn))
        try await audit.record(
            AuditEvent(
                at: Ledger.currentTime, client: client.name, action: "csc-authorize", keyID: key.id,
                unitCode: key.unit, outcome: "ok",
                detail: "\(count) signature\(count == 1 ? "" : "s")\(hashes.isEmpty ? "" : ", hashes bound")"))
        return .object([("SAD", .string(sad)), ("expiresIn", .int(Int(expiresIn)))])
    }

    func cscSignHash(_ body: [String: Any], _ request: Request) async throws -> JSONValue {
        let client = try await authenticator.client(for: request, scope: .sign)
        let key = try await cscCredential(body, client)
        guard let sad = body["SAD"] as? String, !sad.isEmpty else {
            throw CSCError.invalidRequest("Missing (or invalid type) string parameter SAD")
        }
        let hashes = try Self.cscHashes(body["hash"])
        guard let signAlgo = body["signAlgo"] as? String else {
            throw CSCError.invalidRequest("Missing (or invalid type) string parameter signAlgo")
        }
        let keyIsRSA: Bool
        if case .rsa = key.identity.privateKey.kind { keyIsRSA = true } else { keyIsRSA = false }
        let algorithm = try CSCSignatureAlgorithm(
            signAlgo: signAlgo, hashAlgo: body["hashAlgo"] as? String, parameters: body["signAlgoParams"] as? String,
            keyIsRSA: keyIsRSA)
        let digests = hashes.map { [UInt8](Data(base64Encoded: $0)!) }
        guard digests.allSatisfy({ $0.count == algorithm.digest.outputLength }) else {
            throw CSCError.invalidRequest("Invalid parameter hash: not the length of \(algorithm.digest.rawValue)")
        }
        let outcome = try await ledger.store.consumeAuthorization(
            sadSHA256: APIToken.hash(sad), credential: key.id, client: client.name, hashes: hashes,
            now: Int64(Date().timeIntervalSince1970))
        guard outcome == .accepted else {
            let why: String
            switch outcome {
            case .expired: why = "SAD expired"
            case .exhausted: why = "The SAD does not authorise this many more signatures"
            case .hashNotAuthorized: why = "The SAD does not authorise this hash"
            default: why = "Invalid SAD"
            }
            try await audit.record(
                AuditEvent(
                    at: Ledger.currentTime, client: client.name, action: "csc-sign", keyID: key.id,
                    unitCode: key.unit, outcome: "failed", detail: why))
            metrics.signature(key: key.id, ok: false)
            throw CSCError.invalidRequest(why)
        }
        let privateKey = key.identity.privateKey
        let signatures: [[UInt8]]
        do {
            signatures = try await onWorker {
                try digests.map {
                    try privateKey.signDigest($0, algorithm: algorithm.digest, pssSaltLength: algorithm.saltLength)
                }
            }
        } catch {
            throw CSCError.serverError("The signature could not be made: \(Self.problem(signing: error).detail)")
        }
        let now = Ledger.currentTime
        try await audit.record(
            digests.map { digest in
                metrics.signature(key: key.id, ok: true)
                return AuditEvent(
                    at: now, client: client.name, action: "csc-sign", keyID: key.id, unitCode: key.unit,
                    documentSHA256: Hex.string(digest), outcome: "ok", detail: algorithm.pss ? "RSASSA-PSS" : nil)
            })
        return .object([("signatures", .array(signatures.map { .string(Data($0).base64EncodedString()) }))])
    }

    func cscTimestamp(_ body: [String: Any], _ request: Request) async throws -> JSONValue {
        _ = try await authenticator.client(for: request, scope: .sign)
        guard let client = timestampClient, timestampResponder != nil else {
            throw CSCError(status: .notImplemented, error: "not_implemented_method", description: "No TSA here")
        }
        let hash = try Self.cscHashes(body["hash"].map { [$0] }, name: "hash").first ?? ""
        guard let oid = body["hashAlgo"] as? String, let digest = DigestAlgorithm(oid: oid) else {
            throw CSCError.invalidRequest("Missing (or invalid) string parameter hashAlgo")
        }
        var configured = client
        configured.digest = digest
        let tsa = configured
        let imprint = [UInt8](Data(base64Encoded: hash)!)
        guard imprint.count == digest.outputLength else { throw CSCError.invalidRequest("Invalid parameter hash") }
        let token = try await onWorker { try tsa.timestamp(imprint: imprint).token.der }
        return .object([("timestamp", .string(Data(token).base64EncodedString()))])
    }
}
