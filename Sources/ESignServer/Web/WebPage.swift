/// The HTML of the service's pages (plain HTML and a little JavaScript, no build step).
enum WebPage {
    static let verify = "<!doctype html><title>esign</title>"
    static let statistics = "<!doctype html><title>esign</title>"
}
