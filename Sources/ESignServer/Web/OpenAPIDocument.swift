/// The OpenAPI 3.1 description of the service (`GET /openapi.json`).
enum OpenAPIDocument {
    static let text = "{}"
}
