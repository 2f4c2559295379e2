import Hummingbird

/// The pages for people: `/` (drop a PDF, read the verdict) and `/stats` (the coverage dashboard).
extension SigningService {
    func addWebPages(_ router: Router<ServiceRequestContext>) {
        router.get("/") { _, _ in Responses.text(WebPage.verify, type: "text/html; charset=utf-8") }
        router.get("/stats") { _, _ in Responses.text(WebPage.statistics, type: "text/html; charset=utf-8") }
    }
}
