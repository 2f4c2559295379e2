import ESignCrypto
import Foundation

/// The validation material a long-term signature embeds (PAdES B-LT, CAdES-LT): the certificates
/// of every chain it relies on, and revocation data proving none of them was revoked.
public struct ValidationMaterial: Sendable {
    public var certificates: [Certificate] = []
    public var ocspResponses: [[UInt8]] = []
    public var crls: [[UInt8]] = []

    public init() {}

    mutating func add(_ certificate: Certificate) {
        if !certificates.contains(certificate) { certificates.append(certificate) }
    }

    mutating func add(_ evidence: RevocationEvidence) {
        switch evidence.kind {
        case .ocsp: if !ocspResponses.contains(evidence.der) { ocspResponses.append(evidence.der) }
        case .crl: if !crls.contains(evidence.der) { crls.append(evidence.der) }
        }
        for signer in evidence.signers { add(signer) }
    }
}

/// Gathers validation material for certificate chains, asking each responder once per
/// certificate and run: a batch of 10,000 documents signed by 20 officials makes about 20 OCSP
/// requests, not 10,000. Failures are remembered too, so a batch does not wait on a dead
/// responder once per document.
public final class ValidationDataCollector: @unchecked Sendable {
    public let trustAnchors: [Certificate]
    let checker: RevocationChecker
    private let lock = NSLock()
    private var cache: [DERKey: Result<RevocationEvidence, RevocationEvidenceError>] = [:]
    private var inFlight: [DERKey: NSCondition] = [:]
    /// How many certificates were looked up over the network (for tests and the benchmark).
    public private(set) var lookups = 0

    /// `timeout`: the limit for each OCSP or CRL request, in seconds.
    public init(trustAnchors: [Certificate], timeout: Int = 10) {
        self.trustAnchors = trustAnchors
        checker = RevocationChecker(trustAnchors: trustAnchors, offline: false, timeout: timeout)
    }

    /// `certificate`'s chain from `pool` (issuers nearest first), up to a self-issued certificate.
    /// Remembered per certificate and pool: the documents of a batch share a few signers.
    public func chain(of certificate: Certificate, pool: [Certificate]) -> [Certificate] {
        let key = ChainKey(leaf: ObjectIdentifier(certificate), pool: pool.map(ObjectIdentifier.init))
        lock.lock()
        if let known = chains[key] {
            lock.unlock()
            return known.chain
        }
        lock.unlock()
        let chain = [certificate] + certificate.issuers(among: pool + trustAnchors)
        lock.lock()
        chains[key] = ([certificate] + pool, chain)
        lock.unlock()
        return chain
    }

    /// Chains are remembered by certificate identity: certificates read from documents come from
    /// the process-wide cache, one object per certificate; the objects are kept alive by the entry.
    private struct ChainKey: Hashable {
        let leaf: ObjectIdentifier
        let pool: [ObjectIdentifier]
    }
    /// Each entry keeps the certificates its key names alive, so no identifier is ever reused.
    private var chains: [ChainKey: (retained: [Certificate], chain: [Certificate])] = [:]

    /// The material for `chains` (each a certificate followed by its issuers): every certificate,
    /// and for each that has an issuer in its chain and publishes an OCSP responder or CRL, data
    /// that shows it was not revoked now. Any certificate whose data cannot be had is an error.
    public func collect(chains: [[Certificate]]) throws(RevocationEvidenceError) -> ValidationMaterial {
        var material = ValidationMaterial()
        for chain in chains {
            for (index, certificate) in chain.enumerated() {
                material.add(certificate)
                guard index + 1 < chain.count, !certificate.isSelfIssued, !certificate.hasOCSPNoCheck,
                    !(certificate.ocspURLs.isEmpty && certificate.crlURLs.isEmpty)
                else { continue }
                let evidence = try self.evidence(
                    for: certificate, issuer: chain[index + 1], untrusted: Array(chain.dropFirst()))
                material.add(evidence)
                for signer in evidence.signers {
                    // A delegated responder's own chain goes in too.
                    for issuer in self.chain(of: signer, pool: chain).dropFirst() { material.add(issuer) }
                }
            }
        }
        return material
    }

    private func evidence(
        for certificate: Certificate, issuer: Certificate, untrusted: [Certificate]
    ) throws(RevocationEvidenceError) -> RevocationEvidence {
        let key = DERKey(certificate.der)
        lock.lock()
        while true {
            if let cached = cache[key] {
                lock.unlock()
                return try cached.get()
            }
            guard let waiting = inFlight[key] else { break }
            // Another thread is asking the responder about this certificate: wait for its answer.
            lock.unlock()
            waiting.lock()
            _ = waiting.wait(until: Date().addingTimeInterval(0.05))
            waiting.unlock()
            lock.lock()
        }
        let condition = NSCondition()
        inFlight[key] = condition
        lookups += 1
        lock.unlock()
        let result: Result<RevocationEvidence, RevocationEvidenceError>
        do {
            result = .success(try checker.evidence(for: certificate, issuer: issuer, untrusted: untrusted))
        } catch {
            result = .failure(error)
        }
        lock.lock()
        cache[key] = result
        inFlight[key] = nil
        lock.unlock()
        condition.broadcast()
        return try result.get()
    }
}
