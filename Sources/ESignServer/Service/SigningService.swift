import ESignLedger
import ESignSigning
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// `esign serve`: signing, issuing, verification, the ledger and coverage statistics over HTTP for
/// the systems an agency runs (document management, the provincial data hub), with web pages for
/// people. State lives in the ledger's database, so several instances can share one PostgreSQL.
///
/// ```swift
/// let service = try await SigningService.start(ServiceConfiguration.load(path: "esign-server.json"))
/// try await service.run()
/// ```
public final class SigningService: Sendable {
    public let configuration: ServiceConfiguration
    let ledger: Ledger
    let keys: [String: ServiceKey]
    let verification: VerificationOptions
    let authenticator: ClientAuthenticator
    let unitsCache: ClientUnitsCache
    let bodies: RequestBodyReader
    let metrics = ServiceMetrics()
    let audit: AuditRecorder
    /// Where signing and verification run: CPU work and blocking calls (a TSA, an OCSP responder,
    /// a token) kept off Swift's cooperative threads, at most `concurrentSignatures` at once.
    let workers: NIOThreadPool
    let timestampResponder: TimestampResponder?
    let serials: TimestampSerials?
    let logger: Logger
    /// The font of issued documents' appearances (nil: issuing is refused with a problem).
    let issuingFont: TrueTypeFont?

    init(
        configuration: ServiceConfiguration, ledger: Ledger, keys: [ServiceKey], trust: VerificationOptions,
        timestampResponder: TimestampResponder?, serials: TimestampSerials?, logger: Logger
    ) {
        self.configuration = configuration
        self.ledger = ledger
        self.keys = Dictionary(uniqueKeysWithValues: keys.map { ($0.id, $0) })
        verification = trust
        authenticator = ClientAuthenticator(store: ledger.store)
        unitsCache = ClientUnitsCache(ledger: ledger)
        bodies = RequestBodyReader(
            maximumBytes: configuration.limits.maxBodyBytes, timeoutSeconds: configuration.limits.requestTimeoutSeconds,
            budget: configuration.limits.maxBufferedBytes)
        audit = AuditRecorder(store: ledger.store)
        workers = NIOThreadPool(numberOfThreads: configuration.limits.concurrentSignatures)
        workers.start()
        self.timestampResponder = timestampResponder
        self.serials = serials
        self.logger = logger
        issuingFont = try? TrueTypeFont(path: TrueTypeFont.defaultPath)
    }

    /// Opens the database, loads the trust anchors and keys; any failure is reported with the
    /// configuration field it comes from, before anything listens.
    public static func start(
        _ configuration: ServiceConfiguration, logger: Logger = Logger(label: "esign.serve")
    ) async throws -> SigningService {
        var trust = VerificationOptions()
        do { trust.trustAnchors = try VerificationOptions.loadTrustAnchors(configuration.trust) } catch {
            throw ServiceConfiguration.Problem(field: "trust", message: error.description)
        }
        if let folder = configuration.trustStore {
            do { try trust.trust(TrustStore(folder: folder)) } catch {
                throw ServiceConfiguration.Problem(field: "trustStore", message: error.description)
            }
        }
        var keys: [ServiceKey] = []
        for (i, source) in configuration.keys.enumerated() {
            do { keys.append(try source.load()) } catch {
                throw ServiceConfiguration.Problem(field: "keys[\(i)] (\(source.id))", message: error.description)
            }
        }
        var responder: TimestampResponder?
        if let tsa = configuration.tsa {
            let identity: SigningIdentity
            do { identity = try tsa.loadIdentity() } catch {
                throw ServiceConfiguration.Problem(field: "tsa", message: error.description)
            }
            guard identity.certificate.extendedKeyUsage == [ExtendedKeyUsageOID.timeStamping] else {
                throw ServiceConfiguration.Problem(
                    field: "tsa", message: "the TSA certificate must have the sole extended key usage timeStamping")
            }
            responder = TimestampResponder(
                certificate: identity.certificate, privateKey: identity.privateKey, chain: identity.chain,
                policyOID: tsa.policy ?? "1.3.6.1.4.1.57264.1.1", padding: configuration.rsaPadding)
        }
        let location = LedgerLocation.resolve(configuration.database)
        let ledger: Ledger
        do { ledger = try await Ledger.open(location) } catch {
            throw ServiceConfiguration.Problem(field: "database", message: "\(error)")
        }
        let directory = try await ledger.directory()
        for (i, key) in keys.enumerated() where directory.versions[key.unit] == nil {
            try? await ledger.close()
            throw ServiceConfiguration.Problem(
                field: "keys[\(i)].unit", message: "unknown unit \(key.unit) (import units with `esign units import`)")
        }
        let serials = responder == nil ? nil : TimestampSerials(store: ledger.store)
        do { try await serials?.prepare() } catch {
            try? await ledger.close()
            throw ServiceConfiguration.Problem(field: "database", message: "cannot reserve TSA serials: \(error)")
        }
        return SigningService(
            configuration: configuration, ledger: ledger, keys: keys, trust: trust, timestampResponder: responder,
            serials: serials, logger: logger)
    }

    /// Runs `work` on the signing threads.
    func onWorker<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await workers.runIfActive(work)
    }

    func router() -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware())
        addSystemRoutes(router)
        addSigningRoutes(router)
        addVerificationRoutes(router)
        addLedgerRoutes(router)
        addWebPages(router)
        addCSCRoutes(router)
        addSigningSessionRoutes(router)
        return router
    }

    /// Serves until SIGINT or SIGTERM, then answers the requests in flight and returns.
    public func run(onServerRunning: (@Sendable (Int) async -> Void)? = nil) async throws {
        let idle = TimeAmount.milliseconds(Int64(configuration.limits.idleTimeoutSeconds * 1000))
        let app = Application(
            router: router(),
            server: .http1(
                configuration: .init(additionalChannelHandlers: [ReceiveBufferSizing()], idleTimeout: idle)),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "esign"),
            onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? 0) },
            logger: logger)
        logger.info(
            "serving",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)", "database": "\(ledger.store.location)",
                "keys": "\(keys.keys.sorted().joined(separator: ","))",
            ])
        try await app.runService()
        try? await workers.shutdownGracefully()
        try? await ledger.close()
        logger.info("stopped")
    }
}
