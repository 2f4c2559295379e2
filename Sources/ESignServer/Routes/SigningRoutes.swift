import ESignLedger
import ESignSigning
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/sign` (a PDF: PAdES inside it; XML: XAdES, enveloped unless `packaging` says otherwise;
/// anything else: a detached CAdES signature, or XAdES with `packaging=detached`) and
/// `POST /v1/issue` (Decree 30 issuance: official, seal, number, ledger).
extension SigningService {
    func addSigningRoutes(_ router: Router<ServiceRequestContext>) {
        router.post("/v1/sign") { request, _ in try await self.sign(request) }
        router.post("/v1/issue") { request, _ in try await self.issue(request) }
    }

    /// The key a client asks for, if it may use it.
    func key(_ id: String, for units: ClientUnits) throws -> ServiceKey {
        guard let key = keys[id] else { throw Problem.notFound("no key \(id.debugDescription) on this service") }
        try units.require(key.unit)
        return key
    }

    func clientUnits(_ client: APIClient) async throws -> ClientUnits {
        try await unitsCache.units(of: client)
    }

    /// The PAdES level asked for, and what it takes (a TSA for B-T and above).
    func signingLevel(_ text: String?) throws -> (PAdESLevel, TimestampClient?) {
        guard let text else { return (.bB, nil) }
        guard let level = PAdESLevel(rawValue: text.uppercased()) else {
            throw Problem.badRequest("level is one of B-B, B-T, B-LT, B-LTA, not \(text.debugDescription)")
        }
        if level == .bB { return (level, nil) }
        guard let client = timestampClient else {
            throw Problem.badRequest("level \(level.rawValue) needs a TSA, and this service has none configured")
        }
        return (level, client)
    }

    /// What checks the validation data of B-LT and B-LTA signatures: the configured trust
    /// anchors, else the roots in the signers' own chains.
    func validationDataCollector(for identities: [SigningIdentity]) -> ValidationDataCollector {
        let roots =
            verification.trustAnchors.isEmpty
            ? identities.flatMap(\.chain).filter(\.isSelfIssued) : verification.trustAnchors
        return ValidationDataCollector(trustAnchors: roots)
    }

    /// The TSA signatures are timestamped at: the configured one, else this service's own, asked
    /// in-process (a request to itself over HTTP could wait on its own busy threads).
    var timestampClient: TimestampClient? {
        if let url = configuration.timestampURL { return TimestampClient(url: url) }
        guard let responder = timestampResponder, let serials else { return nil }
        return TimestampClient(url: "esign serve's TSA") { query in
            try responder.reply(to: query, serial: { try serials.next() }).reply
        }
    }

    func sign(_ request: Request) async throws -> Response {
        let client = try await authenticator.client(for: request, scope: .sign)
        let query = try Query(
            request,
            allowed: [
                "key", "reason", "location", "level", "unit", "number", "type", "digest", "padding", "packaging",
                "name",
            ])
        let units = try await clientUnits(client)
        let key = try self.key(try query.required("key"), for: units)
        let (level, tsa) = try signingLevel(query["level"])
        let unit = query["unit"]
        let number = query["number"]
        if (unit == nil) != (number == nil) {
            throw Problem.badRequest("unit and number go together (the ledger records the document under both)")
        }
        if let unit { try units.require(unit) }
        let digest = try query.digest()
        let padding = try query.padding(default: configuration.rsaPadding)
        guard let mediaType = request.mediaType else {
            throw Problem.unsupportedMediaType(
                "send the document with a Content-Type (application/pdf signs inside the PDF)")
        }
        let pdf = mediaType == "application/pdf"
        let xml = mediaType == "application/xml" || mediaType == "text/xml"
        let packaging = try Self.xmlPackaging(query["packaging"], xml: xml, level: level)
        let (signed, documentDigest) = try await bodies.withBody(request) { body in
            guard !body.isEmpty else { throw Problem.badRequest("the request has no document") }
            return try await self.signing(client: client, key: key, action: "sign", unit: unit, number: number) {
                if let packaging {
                    var signer = XAdESSigner(identity: key.identity)
                    signer.packaging = packaging
                    signer.digest = digest
                    signer.rsaPadding = padding
                    signer.role = query["reason"]
                    signer.city = query["location"]
                    signer.timestampClient = tsa
                    if level >= .bLT {
                        signer.longTerm = LongTermExtender(
                            level: level, collector: self.validationDataCollector(for: [key.identity]),
                            timestampClient: tsa)
                    }
                    let signed = try signer.sign(Array(body), name: query["name"] ?? "document.xml")
                    // The ledger's document id: the signed XML (the detached content for a detached signature).
                    let id = packaging == .detached ? Array(body) : signed
                    return (ByteBuffer(bytes: signed), Hex.string(try Digest.hash(id, .sha256)).lowercased())
                }
                if pdf {
                    var options = PAdESOptions()
                    options.digest = digest
                    options.rsaPadding = padding
                    options.reason = query["reason"]
                    options.location = query["location"]
                    options.timestampClient = tsa
                    guard level >= .bLT else {
                        // The answer is the request's bytes followed by the update: one copy, into the response.
                        let signer = PAdESSigner(identity: key.identity, options: options)
                        let (update, sha256) = try signer.signedUpdate(pdf: body)
                        var buffer = ByteBufferAllocator().buffer(capacity: body.count + update.count)
                        buffer.writeBytes(body)
                        buffer.writeBytes(update)
                        return (buffer, sha256)
                    }
                    options.longTerm = LongTermExtender(
                        level: level, collector: self.validationDataCollector(for: [key.identity]),
                        timestampClient: tsa)
                    let signed = try PAdESSigner(identity: key.identity, options: options).signHashed(pdf: body)
                    return (ByteBuffer(bytes: signed.pdf), signed.sha256)
                }
                var signer = CAdESSigner(identity: key.identity)
                signer.digest = digest
                signer.rsaPadding = padding
                signer.timestampClient = tsa
                if level >= .bLT {
                    signer.longTerm = LongTermExtender(
                        level: level, collector: self.validationDataCollector(for: [key.identity]),
                        timestampClient: tsa)
                }
                let signed = try signer.signHashed(data: body)
                return (ByteBuffer(bytes: signed.signature), signed.sha256)
            }
        }
        var headers = HTTPFields()
        headers[.eSignDocumentSHA256] = documentDigest
        if let unit, let number {
            do {
                let record = DocumentRecord(
                    documentID: documentDigest, unitCode: unit, number: number, type: query["type"],
                    issuedOn: CivilDate.today(), signed: true, signatureCount: 1, timestamped: level >= .bT)
                let summary = try await ledger.record([record], source: "serve:\(client.name)")
                headers[.eSignLedgerSequence] = String(summary.head.sequence)
            } catch {
                throw Self.problem(ledger: error)
            }
        }
        headers[.contentType] =
            pdf ? "application/pdf" : (packaging != nil ? "application/xml" : "application/pkcs7-signature")
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: signed))
    }

    /// XAdES for XML bodies (enveloped unless `packaging` says otherwise) and for any body with
    /// `packaging=detached`; nil for PAdES and CAdES.
    static func xmlPackaging(_ text: String?, xml: Bool, level: PAdESLevel) throws -> XAdESSigner.Packaging? {
        guard xml || text != nil else { return nil }
        guard let packaging = XAdESSigner.Packaging(rawValue: text ?? "enveloped") else {
            throw Problem.badRequest("packaging is enveloped, enveloping or detached, not \(text!.debugDescription)")
        }
        if !xml && packaging != .detached {
            throw Problem.badRequest("packaging=\(packaging.rawValue) signs XML documents (application/xml)")
        }
        return packaging
    }

    /// Makes a signature on a worker thread and records it in the audit chain, whatever the outcome;
    /// the result is handed out only once its audit row is committed.
    func signing<T: Sendable>(
        client: APIClient, key: ServiceKey, action: String, unit: String?, number: String?,
        detail: String? = nil, _ work: @escaping @Sendable () throws -> (T, String)
    ) async throws -> (T, String) {
        let result: Result<(T, String), any Error>
        do { result = .success(try await onWorker(work)) } catch { result = .failure(error) }
        var event = AuditEvent(
            at: Ledger.currentTime, client: client.name, action: action, keyID: key.id, unitCode: unit,
            number: number, outcome: "ok", detail: detail)
        switch result {
        case .success(let (_, digest)): event.documentSHA256 = digest
        case .failure(let error):
            event.outcome = "failed"
            event.detail = "\(Self.problem(signing: error).detail)"
        }
        metrics.signature(key: key.id, ok: event.outcome == "ok")
        do { try await audit.record(event) } catch {
            logger.error("audit chain not written; the signature is withheld", metadata: ["error": "\(error)"])
            throw Problem.unavailable("audit-unavailable", "the audit chain cannot be written: \(error)")
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw Self.problem(signing: error)
        }
    }

    /// The problem a signing failure is for the caller.
    static func problem(signing error: any Error) -> Problem {
        if let problem = error as? Problem { return problem }
        guard let error = error as? SigningError else { return .internalError("signing failed") }
        switch error {
        case .badInput(let why), .missingInput(let why):
            return .unprocessable("bad-document", why)
        case .timestamp(let why): return .unavailable("tsa-unavailable", why)
        case .validationData(let why): return .unavailable("validation-data-unavailable", why)
        case .tokenUnavailable(let why): return .unavailable("token-unavailable", why)
        case .identity(let why): return .unavailable("key-unusable", why)
        default: return .internalError("signing failed: \(error)")
        }
    }

    static func problem(ledger error: any Error) -> Problem {
        if let problem = error as? Problem { return problem }
        guard let error = error as? LedgerError else { return .internalError("the ledger could not be written") }
        switch error {
        case .invalidInput: return .conflict("ledger-conflict", error.description)
        case .unknownUnit, .unitNotInForce, .invalidArgument, .invalidUnits:
            return .unprocessable("bad-record", error.description)
        case .database(let why): return .unavailable("database-unavailable", why)
        }
    }

    func issue(_ request: Request) async throws -> Response {
        let client = try await authenticator.client(for: request, scope: .sign)
        let query = try Query(
            request,
            allowed: [
                "unit", "signer", "seal", "symbol", "type", "level", "series", "subject", "recipients", "copies",
                "number_at", "date_at", "padding",
            ])
        let units = try await clientUnits(client)
        let unit = try query.required("unit")
        try units.require(unit)
        let official = try key(try query.required("signer"), for: units)
        let seal = try key(try query.required("seal"), for: units)
        let symbol = query["symbol"] ?? "QĐ-UBND"
        guard !symbol.contains("/"), symbol.count <= 40 else {
            throw Problem.badRequest("symbol is like QĐ-UBND (no slash)")
        }
        guard let signatureImage = official.image, let sealImage = seal.image else {
            throw Problem.unprocessable(
                "no-image", "keys used for issuing need an image in the configuration (the signature and the seal)")
        }
        guard let font = issuingFont else {
            throw Problem.unavailable("no-font", "no font for the issuing appearance (fonts-dejavu)")
        }
        let (level, tsa) = try signingLevel(query["level"])
        guard request.mediaType == "application/pdf" else {
            throw Problem.unsupportedMediaType("issue takes the document as application/pdf")
        }
        var issuer = DocumentIssuer(
            official: official.identity, seal: seal.identity, signatureImage: signatureImage, sealImage: sealImage,
            layout: Decree30Layout(font: font))
        issuer.timestampClient = tsa
        issuer.rsaPadding = try query.padding(default: configuration.rsaPadding)
        if level >= .bLT {
            issuer.longTerm = LongTermExtender(
                level: level, collector: validationDataCollector(for: [official.identity, seal.identity]),
                timestampClient: tsa)
        }
        func position(_ name: String) throws -> DocumentNumbering.Position? {
            guard let text = query[name] else { return nil }
            let parts = text.split(separator: ",").compactMap { Double($0) }
            guard parts.count == 3, parts[0] >= 1, parts[0] == parts[0].rounded(), parts[1] >= 0, parts[2] >= 0 else {
                throw Problem.badRequest("\(name) is PAGE,X,Y (page from 1, points from the lower left)")
            }
            return .init(page: Int(parts[0]) - 1, x: parts[1], y: parts[2])
        }
        issuer.numbering?.numberAt = try position("number_at")
        issuer.numbering?.dateAt = try position("date_at")
        var copies: Int?
        if let text = query["copies"] {
            guard let n = Int(text), n >= 1, n <= 100_000 else { throw Problem.badRequest("copies is a number from 1") }
            copies = n
        }
        let registration = DocumentIssuer.Registration(
            series: query["series"] ?? "", subject: query["subject"], recipients: query["recipients"], copies: copies)
        let ledger = self.ledger
        let type = query["type"]
        let readied = issuer
        return try await bodies.withBody(request) { body in
            guard !body.isEmpty else { throw Problem.badRequest("the request has no document") }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "esign-issue-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(at: folder) }
            let input = folder.appendingPathComponent("in.pdf").path
            let output = folder.appendingPathComponent("out.pdf").path
            guard FileManager.default.createFile(atPath: input, contents: Data(body)) else {
                throw Problem.internalError("cannot write a temporary file")
            }
            let result: DocumentIssuer.Result
            do {
                result = try await readied.issue(
                    input: input, output: output, unitCode: unit, symbol: symbol, type: type,
                    issuedOn: CivilDate.today(), registration: registration, ledger: ledger)
            } catch let error as LedgerError {
                try await self.auditIssue(client, official, seal, unit, nil, nil, failure: Self.problem(ledger: error))
                throw Self.problem(ledger: error)
            } catch {
                let problem = Self.problem(signing: error)
                try await self.auditIssue(client, official, seal, unit, nil, nil, failure: problem)
                throw problem
            }
            try await self.auditIssue(client, official, seal, unit, result.reference, result.documentID, failure: nil)
            guard let signed = FileManager.default.contents(atPath: output) else {
                throw Problem.internalError("the issued document cannot be read back")
            }
            var headers = HTTPFields()
            headers[.eSignDocumentNumber] = result.reference
            headers[.eSignDocumentSHA256] = result.documentID
            headers[.eSignLedgerSequence] = String(result.ledgerSequence)
            return Responses.bytes([UInt8](signed), type: "application/pdf", headers: headers)
        }
    }

    /// Two audit events for an issuance: the official's signature and the seal's.
    func auditIssue(
        _ client: APIClient, _ official: ServiceKey, _ seal: ServiceKey, _ unit: String, _ number: String?,
        _ digest: String?, failure: Problem?
    ) async throws {
        for key in [official, seal] {
            metrics.signature(key: key.id, ok: failure == nil)
            try await audit.record(
                AuditEvent(
                    at: Ledger.currentTime, client: client.name, action: "issue", keyID: key.id, unitCode: unit,
                    documentSHA256: digest, number: number, outcome: failure == nil ? "ok" : "failed",
                    detail: failure?.detail))
        }
    }
}

extension HTTPField.Name {
    static let eSignDocumentNumber = Self("ESign-Document-Number")!
    static let eSignDocumentSHA256 = Self("ESign-Document-SHA256")!
    static let eSignLedgerSequence = Self("ESign-Ledger-Sequence")!
}
