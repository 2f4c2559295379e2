import ESignSigning
import Foundation
import Hummingbird

/// `POST /v1/verify`: a PDF (`application/pdf`), an XML document (`application/xml`, `text/xml`),
/// or `multipart/form-data` with a `file` and, for a detached signature, its `signature` (.p7s or
/// .xades.xml). The answer is the report of `esign verify --json`.
extension SigningService {
    func addVerificationRoutes(_ router: Router<ServiceRequestContext>) {
        router.post("/v1/verify") { request, _ in try await self.verify(request) }
    }

    func verify(_ request: Request) async throws -> Response {
        _ = try await authenticator.client(for: request, scope: .verify)
        let query = try Query(request, allowed: ["name"])
        guard let mediaType = request.mediaType, let contentType = request.headers[.contentType] else {
            throw Problem.unsupportedMediaType(
                "send application/pdf, application/xml, or multipart/form-data with file and signature")
        }
        let options = verification
        let name = query["name"]
        let report: DocumentReport = try await bodies.withBody(request) { body in
            switch mediaType {
            case "application/pdf":
                return try await self.onWorker {
                    PDFSignatureVerifier(options: options).verify(
                        source: MemoryByteSource(body), name: name ?? "document.pdf")
                }
            case "application/xml", "text/xml":
                let bytes = Array(body)
                return try await self.onWorker {
                    XMLSignatureVerifier(options: options).verify(bytes, name: name ?? "document.xml")
                }
            case "multipart/form-data":
                guard let boundary = MultipartForm.boundary(of: contentType) else {
                    throw Problem.badRequest("multipart/form-data without a boundary")
                }
                let form: MultipartForm
                do { form = try MultipartForm(body: body, boundary: boundary) } catch {
                    throw Problem.badRequest("\(error)")
                }
                guard let file = form.part("file") else {
                    throw Problem.badRequest("the form has no part named file")
                }
                let content = Array(file.body)
                let fileName = name ?? file.filename ?? "document"
                if let signature = form.part("signature") {
                    let cms = Array(signature.body)
                    if XMLSignatureVerifier.looksLikeXML(cms) {
                        // A detached XAdES signature (FILE.xades.xml) over the file.
                        return try await self.onWorker {
                            XMLSignatureVerifier(options: options).verify(cms, name: fileName) { _ in content }
                        }
                    }
                    let signatureName = signature.filename ?? fileName + ".p7s"
                    return try await self.onWorker {
                        DetachedSignatureVerifier(options: options).verify(
                            content: MemoryByteSource(content), name: fileName, signature: cms,
                            signatureName: signatureName)
                    }
                }
                if XMLSignatureVerifier.looksLikeXML(content) {
                    return try await self.onWorker {
                        XMLSignatureVerifier(options: options).verify(content, name: fileName)
                    }
                }
                return try await self.onWorker {
                    PDFSignatureVerifier(options: options).verify(source: MemoryByteSource(content), name: fileName)
                }
            default:
                throw Problem.unsupportedMediaType(
                    "\(mediaType) cannot be verified: send application/pdf, application/xml, or multipart/form-data "
                        + "with file and signature")
            }
        }
        return Responses.text(report.jsonLine, type: "application/json")
    }
}
