import ESignCrypto
import Foundation

/// An RFC 3161 client: asks a TSA over HTTP for a token over a hash, and checks that the token
/// answers the request (imprint, nonce, signature) before handing it over.
///
/// ```swift
/// let client = TimestampClient(url: "http://tsa.example.gov.vn")
/// let (token, reply) = try client.timestamp(data: signatureValue)
/// ```
public struct TimestampClient: Sendable {
    public let url: String
    public var digest: DigestAlgorithm = .sha256
    public var policyOID: String?
    public var timeout: Int = 10
    /// Sends a query and returns the reply; nil: HTTP POST to `url`.
    let transport: (@Sendable ([UInt8]) throws -> [UInt8])?

    public init(url: String) {
        self.url = url
        transport = nil
    }

    /// A client of a TSA in this process (a service's own), which `transport` answers directly:
    /// no HTTP round trip, and no request that waits on the service's own threads. `url` names it
    /// in messages.
    public init(url: String, transport: @escaping @Sendable ([UInt8]) throws -> [UInt8]) {
        self.url = url
        self.transport = transport
    }

    /// Why no token was obtained.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case unreachable(String)
        case badReply(String)
        public var description: String {
            switch self {
            case .unreachable(let why): return "the TSA cannot be reached: \(why)"
            case .badReply(let why): return why
            }
        }
    }

    /// A token over the hash of `data`, and the TSA's whole reply (what a .tsr file holds).
    public func timestamp(data: [UInt8]) throws(Failure) -> (token: TimestampToken, reply: [UInt8]) {
        let imprint: [UInt8]
        do { imprint = try Digest.hash(data, digest) } catch { throw .badReply("\(error)") }
        return try timestamp(imprint: imprint)
    }

    /// A token over an imprint computed by the caller with `digest`.
    public func timestamp(imprint: [UInt8]) throws(Failure) -> (token: TimestampToken, reply: [UInt8]) {
        let nonce = Random.bytes(8)
        let request = TimestampProtocol.request(imprint: imprint, algorithm: digest, nonce: nonce, policyOID: policyOID)
        let reply: [UInt8]
        do {
            if let transport {
                reply = try transport(request)
            } else {
                reply = try HTTPClient.post(
                    url: url, body: request, contentType: "application/timestamp-query",
                    expectedType: "application/timestamp-reply", timeout: timeout)
            }
        } catch {
            throw .unreachable("\(url): \(error)")
        }
        do {
            return (try TimestampProtocol.token(fromReply: reply, imprint: imprint, nonce: nonce), reply)
        } catch {
            throw .badReply("\(url): \(error)")
        }
    }

    /// The size of this TSA's tokens, learnt once per process from a real request and kept, so a
    /// PDF can reserve exactly the room a signature plus its timestamp needs.
    public func tokenLength() throws(Failure) -> Int { try sampleToken().der.count }

    /// A token of this TSA's, requested once per process (over a zero imprint) and kept: its size
    /// and its certificates (the TSA's chain, whose validation data a B-LTA document embeds before
    /// the document timestamp) are the same for every later token.
    public func sampleToken() throws(Failure) -> TimestampToken {
        if let known = TokenSamples.shared.get(url) { return known }
        let (token, _) = try timestamp(imprint: [UInt8](repeating: 0, count: digest.outputLength))
        TokenSamples.shared.set(url, token)
        return token
    }
}

/// A sample token per TSA URL, shared by the threads of a batch.
final class TokenSamples: @unchecked Sendable {
    static let shared = TokenSamples()
    private let lock = NSLock()
    private var tokens: [String: TimestampToken] = [:]
    func get(_ url: String) -> TimestampToken? {
        lock.lock()
        defer { lock.unlock() }
        return tokens[url]
    }
    func set(_ url: String, _ token: TimestampToken) {
        lock.lock()
        tokens[url] = token
        lock.unlock()
    }
}
