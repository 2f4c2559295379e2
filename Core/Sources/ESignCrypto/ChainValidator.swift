import CESignShims
import COpenSSL
import Foundation

/// Builds and checks a certificate path from a leaf to trust anchors with OpenSSL's verifier,
/// at a chosen time (the signing time, or the time a timestamp proves).
///
/// ```swift
/// let result = ChainValidator(trustAnchors: roots).validate(leaf, intermediates: embedded, at: signingTime)
/// ```
public struct ChainValidator: Sendable {
    public let trustAnchors: [Certificate]
    /// One X509_STORE for all validations: OpenSSL allows concurrent verifications against a store.
    private let store: Store

    final class Store: @unchecked Sendable {
        let pointer: OpaquePointer?
        /// Paths OpenSSL has proven, by the certificates they were built from (see `validate`).
        let proven = ProvenPaths()
        init(_ anchors: [Certificate]) {
            pointer = X509_STORE_new()
            if let pointer { for anchor in anchors { X509_STORE_add_cert(pointer, anchor.pointer) } }
        }
        deinit { if let pointer { X509_STORE_free(pointer) } }
    }

    /// Paths already proven for a leaf and its intermediates, with each certificate's validity
    /// period. A path's signatures, names and constraints do not depend on the time; only the
    /// validity periods do. So a document signed by the same certificate as an earlier one needs
    /// only its time compared with those periods, not two more RSA verifications: that is most of
    /// the cost of checking a small signed document.
    final class ProvenPaths: @unchecked Sendable {
        struct Entry {
            /// The certificates of the key, held so that their identities stay theirs.
            let inputs: [Certificate]
            let path: [Certificate]
            let periods: [ClosedRange<Date>]
        }
        private let lock = NSLock()
        private var entries: [[ObjectIdentifier]: Entry] = [:]

        func path(for inputs: [Certificate], at time: Date) -> [Certificate]? {
            lock.lock()
            let entry = entries[inputs.map(ObjectIdentifier.init)]
            lock.unlock()
            guard let entry, entry.periods.allSatisfy({ $0.contains(time) }) else { return nil }
            return entry.path
        }

        func remember(_ path: [Certificate], for inputs: [Certificate]) {
            let periods = path.map { $0.notBefore...max($0.notBefore, $0.notAfter) }
            lock.lock()
            defer { lock.unlock() }
            if entries.count >= 1024 { entries.removeAll(keepingCapacity: true) }
            entries[inputs.map(ObjectIdentifier.init)] = Entry(inputs: inputs, path: path, periods: periods)
        }
    }

    public init(trustAnchors: [Certificate]) {
        self.trustAnchors = trustAnchors
        store = Store(trustAnchors)
    }

    public enum Result: Sendable, Equatable {
        /// A path was found and every certificate on it was valid at the time; the path runs leaf first.
        case valid(path: [Certificate])
        /// Why no acceptable path exists, in OpenSSL's words, with its verify error code.
        case invalid(code: Int32, reason: String)
    }

    public func validate(_ leaf: Certificate, intermediates: [Certificate], at time: Date) -> Result {
        let inputs = [leaf] + intermediates
        if let path = store.proven.path(for: inputs, at: time) { return .valid(path: path) }
        guard let trustStore = self.store.pointer else { return .invalid(code: -1, reason: "out of memory") }
        guard let untrusted = esign_sk_X509_new_null(), let ctx = X509_STORE_CTX_new() else {
            return .invalid(code: -1, reason: "out of memory")
        }
        defer {
            esign_sk_X509_pop_free(untrusted)
            X509_STORE_CTX_free(ctx)
        }
        for cert in intermediates {
            X509_up_ref(cert.pointer)
            esign_sk_X509_push(untrusted, cert.pointer)
        }
        guard X509_STORE_CTX_init(ctx, trustStore, leaf.pointer, untrusted) == 1 else {
            return .invalid(code: -1, reason: OpenSSLError.capture("X509_STORE_CTX_init").description)
        }
        X509_STORE_CTX_set_time(ctx, 0, time_t(time.timeIntervalSince1970))
        let ok = X509_verify_cert(ctx) == 1
        ERR_clear_error()
        if ok, let chain = X509_STORE_CTX_get0_chain(ctx) {
            // The path is made of the certificates given; reuse their wrappers rather than re-encode them.
            let known = [leaf] + intermediates + trustAnchors
            var path: [Certificate] = []
            for i in 0..<esign_sk_X509_num(chain) {
                guard let c = esign_sk_X509_value(chain, i) else { continue }
                if let same = known.first(where: { $0.pointer == c }) {
                    path.append(same)
                } else if let cert = try? Certificate(borrowing: c) {
                    path.append(cert)
                }
            }
            store.proven.remember(path, for: inputs)
            return .valid(path: path)
        }
        let code = X509_STORE_CTX_get_error(ctx)
        return .invalid(code: code, reason: String(cString: X509_verify_cert_error_string(Int(code))))
    }
}
