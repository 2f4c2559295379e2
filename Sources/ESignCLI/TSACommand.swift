import ArgumentParser
import ESign
import Foundation
import Logging

/// `esign tsa serve`: run the RFC 3161 time-stamping authority.
struct TSACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsa",
        abstract: "Run an RFC 3161 time-stamping authority over HTTP.",
        subcommands: [Serve.self]
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve timestamps until SIGINT or SIGTERM (requests in flight are answered first).",
            discussion: """
                POST application/timestamp-query to / answers application/timestamp-reply. Serial numbers \
                are never reused, also across restarts (their state is kept in DB.serial); every reply is \
                recorded as a JSON line in DB. The TSA certificate must carry the sole critical extended \
                key usage timeStamping (the demo PKI's tsa.p12 does).

                Example:
                  esign tsa serve --p12 esign-demo/pki/tsa.p12 --password-file esign-demo/pki/password.txt --db \
                  tsa-audit.jsonl
                """
        )

        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on.") var port = 3180
        @Option(
            name: .customLong("p12"),
            help: ArgumentHelp("PKCS#12 with the TSA key and certificate chain.", valueName: "file"))
        var pkcs12: String?
        @Option(
            help: ArgumentHelp("The TSA key in an HSM or on a token (PKCS#11 URI).", valueName: "uri"))
        var pkcs11: String?
        @Option(
            help: ArgumentHelp(
                "File whose first line is the token PIN (else ESIGN_PIN or a prompt).", valueName: "file"))
        var pinFile: String?
        @Option(help: ArgumentHelp("PEM file with the TSA's issuing CA certificates.", valueName: "file"))
        var chain: String?
        @Option(
            help: ArgumentHelp(
                "File whose first line is the password (else ESIGN_PASSWORD, else a prompt).", valueName: "file"))
        var passwordFile: String?
        @Option(help: ArgumentHelp("Default policy OID of the tokens.", valueName: "oid")) var policy =
            "1.3.6.1.4.1.57264.1.1"
        @Option(
            help: ArgumentHelp("Audit log of issued tokens (JSON lines); serial state in DB.serial.", valueName: "file")
        ) var db: String?
        @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
        @Flag(name: .customLong("rsa-pss"), help: "RSA keys: sign the tokens with RSASSA-PSS.") var rsaPSS = false

        /// The TSA identity, or the exit code that explains why it cannot serve.
        func validate() throws {
            if (pkcs12 == nil) == (pkcs11 == nil) { throw ValidationError("give one of --p12 and --pkcs11") }
        }

        func loadIdentity() -> Result<SigningIdentity, ExitCode> {
            do throws(SigningError) {
                let identity: SigningIdentity
                if let pkcs11 {
                    identity = try IdentityOptions.loadToken(pkcs11, pinFile: pinFile, chain: chain)
                } else {
                    let path = pkcs12 ?? ""
                    let password =
                        try PasswordReader.read(file: passwordFile, prompt: "Password for \(path): ") ?? Secret("")
                    identity = try SigningIdentity.load(pkcs12: path, password: password)
                }
                guard identity.certificate.extendedKeyUsage == [ExtendedKeyUsageOID.timeStamping] else {
                    throw .identity(
                        "\(pkcs12 ?? pkcs11 ?? ""): a TSA certificate must have the sole extended key usage "
                            + "timeStamping")
                }
                return .success(identity)
            } catch {
                return .failure(fail(error))
            }
        }

        func run() async throws {
            let identity = try loadIdentity().get()
            var logger = Logger(label: "esign.tsa")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let responder = TimestampResponder(
                certificate: identity.certificate, privateKey: identity.privateKey,
                chain: identity.chain, policyOID: policy, padding: rsaPSS ? .pss : .pkcs1v15)
            var configuration = TimestampServer.Configuration(
                responder: responder, host: host, port: port, database: db)
            configuration.maximumRequestBytes = 16 * 1024
            let server = try TimestampServer(configuration: configuration, logger: logger)
            try await server.run()
        }
    }
}
