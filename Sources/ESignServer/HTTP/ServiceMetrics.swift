import Foundation
import Hummingbird
import Synchronization

/// The service's counters in Prometheus's text format (`GET /metrics`): requests by route and
/// status, their latency as a histogram, signatures by key and outcome, request bytes held.
final class ServiceMetrics: Sendable {
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct State {
        var requests: [String: Int] = [:]  // "route\u{1F}status"
        var latency: [String: (counts: [Int], sum: Double, count: Int)] = [:]
        var signatures: [String: Int] = [:]  // "key\u{1F}outcome"
    }
    private let state = Mutex(State())

    func observe(route: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests["\(route)\u{1F}\(status)", default: 0] += 1
            var l = s.latency[route] ?? (Array(repeating: 0, count: Self.buckets.count), 0, 0)
            for (i, bound) in Self.buckets.enumerated() where seconds <= bound { l.counts[i] += 1 }
            l.sum += seconds
            l.count += 1
            s.latency[route] = l
        }
    }

    func signature(key: String, ok: Bool) {
        state.withLock { $0.signatures["\(key)\u{1F}\(ok ? "ok" : "failed")", default: 0] += 1 }
    }

    func text(bufferedBytes: Int) -> String {
        let s = state.withLock { $0 }
        func label(_ v: String) -> String {
            v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
        var out = "# HELP esign_http_requests_total HTTP requests answered, by route and status.\n"
        out += "# TYPE esign_http_requests_total counter\n"
        for (key, n) in s.requests.sorted(by: { $0.key < $1.key }) {
            let p = key.split(separator: "\u{1F}")
            out += "esign_http_requests_total{route=\"\(label(String(p[0])))\",status=\"\(p[1])\"} \(n)\n"
        }
        out += "# HELP esign_http_request_duration_seconds Time to answer a request, by route.\n"
        out += "# TYPE esign_http_request_duration_seconds histogram\n"
        for (route, l) in s.latency.sorted(by: { $0.key < $1.key }) {
            let r = label(route)
            for (i, bound) in Self.buckets.enumerated() {
                out += "esign_http_request_duration_seconds_bucket{route=\"\(r)\",le=\"\(bound)\"} \(l.counts[i])\n"
            }
            out += "esign_http_request_duration_seconds_bucket{route=\"\(r)\",le=\"+Inf\"} \(l.count)\n"
            out += "esign_http_request_duration_seconds_sum{route=\"\(r)\"} \(l.sum)\n"
            out += "esign_http_request_duration_seconds_count{route=\"\(r)\"} \(l.count)\n"
        }
        out += "# HELP esign_signatures_total Signatures made, by key and outcome.\n"
        out += "# TYPE esign_signatures_total counter\n"
        for (key, n) in s.signatures.sorted(by: { $0.key < $1.key }) {
            let p = key.split(separator: "\u{1F}")
            out += "esign_signatures_total{key=\"\(label(String(p[0])))\",outcome=\"\(p[1])\"} \(n)\n"
        }
        out += "# HELP esign_buffered_request_bytes Request body bytes reserved by requests in flight.\n"
        out += "# TYPE esign_buffered_request_bytes gauge\nesign_buffered_request_bytes \(bufferedBytes)\n"
        return out
    }
}

/// Counts every request (after problems are turned into responses) under its route pattern.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath ?? "unmatched"
        metrics.observe(route: route, status: response.status.code, seconds: seconds)
        return response
    }
}
