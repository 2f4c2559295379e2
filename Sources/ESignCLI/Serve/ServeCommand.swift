import ArgumentParser
import ESign
import Foundation
import Logging

/// `esign serve`: the HTTP service for other systems and the web pages for people.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Sign, issue, verify, record and report over HTTP (run, clients, audit).",
        subcommands: [ServeRunCommand.self, ServeClientsCommand.self, ServeAuditCommand.self],
        defaultSubcommand: ServeRunCommand.self
    )
}

/// The database of `clients` and `audit`: --database, else the configuration's, else the default ledger.
struct ServeDatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The service's configuration (for its database).", valueName: "file"))
    var config: String?
    @OptionGroup var ledgerOptions: LedgerOptions

    func open() async throws -> Ledger {
        var database = ledgerOptions.database
        if database == nil, let config {
            do { database = try ServiceConfiguration.load(path: config).database } catch {
                Terminal.error(error.description)
                throw ExitCode(ExitCodes.usage)
            }
        }
        do { return try await Ledger.open(LedgerLocation.resolve(database)) } catch { throw ledgerFailure(error) }
    }
}

struct ServeRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve until SIGINT or SIGTERM (requests in flight are answered first).",
        discussion: """
            The configuration (JSON) names listen (host:port), database (SQLite path or postgres:// URL), \
            trust (PEM files or folders), keys (each: id, unit, and p12 + passwordFile, or key + cert [+ chain], \
            or pkcs11 [+ pinFile, chain]; image for issuing), tsa (optional, serves POST /tsa), timestampURL and \
            limits (maxBodyBytes, requestTimeoutSeconds, idleTimeoutSeconds, maxBufferedBytes, \
            concurrentSignatures). Secrets only by file. See docs/serve.md.

            Exit codes: 0 stopped by a signal; 64 configuration error (the field is named); 69 database or \
            token unreachable; 77 a key or password unusable.

            Example:
              esign serve --config esign-server.json
            """
    )

    @Option(help: ArgumentHelp("The service's configuration.", valueName: "file")) var config: String
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func run() async throws {
        var logger = Logger(label: "esign.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let configuration: ServiceConfiguration
        do { configuration = try ServiceConfiguration.load(path: config) } catch {
            Terminal.error("\(config): \(error.description)")
            throw ExitCode(ExitCodes.usage)
        }
        let service: SigningService
        do { service = try await SigningService.start(configuration, logger: logger) } catch let problem
            as ServiceConfiguration.Problem
        {
            Terminal.error("\(config): \(problem.description)")
            let text = problem.description
            if text.contains("cannot connect") || text.contains("token") && text.contains("unavailable") {
                throw ExitCode(ExitCodes.serviceUnavailable)
            }
            throw ExitCode(
                problem.field.hasPrefix("keys") || problem.field == "tsa" ? ExitCodes.identity : ExitCodes.usage)
        }
        try await service.run()
    }
}

struct ServeClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "The systems allowed to call the service, and their bearer tokens.",
        subcommands: [Add.self, List.self, Revoke.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a client; its token is printed once, alone on the last line.",
            discussion: """
                Scopes: sign (sign and issue with the keys of its units), verify, ledger (record documents), \
                stats. A client acting for a province reaches its districts and communes.

                Example:
                  TOKEN=$(esign serve clients add qlvb-tinh --units 70 --scopes sign,verify,ledger,stats | tail -n 1)
                """)
        @Argument(help: "The client's name (letters, digits, '.', '_', '-').") var name: String
        @Option(help: ArgumentHelp("Unit codes it acts for, comma-separated.", valueName: "codes")) var units: String
        @Option(help: ArgumentHelp("What it may do: sign,verify,ledger,stats.", valueName: "list")) var scopes: String
        @OptionGroup var database: ServeDatabaseOptions

        func validate() throws {
            if APIScope.parse(list: scopes) == nil {
                throw ValidationError("--scopes is a comma-separated list of sign, verify, ledger, stats")
            }
        }

        func run() async throws {
            let ledger = try await database.open()
            defer { Task { try? await ledger.close() } }
            let codes = units.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            let token: String
            do {
                token = try await ledger.addClient(name: name, units: codes, scopes: APIScope.parse(list: scopes)!)
            } catch { throw ledgerFailure(error) }
            print(
                "Client \(name) added (units \(codes.joined(separator: ",")), scopes \(scopes)). Its token, shown once:"
            )
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the clients (never their tokens).")
        @OptionGroup var database: ServeDatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let ledger = try await database.open()
            defer { Task { try? await ledger.close() } }
            let clients: [APIClient]
            do { clients = try await ledger.clients() } catch { throw ledgerFailure(error) }
            if json {
                print(jsonText(clients, pretty: false))
                return
            }
            if clients.isEmpty { print("No clients.") }
            for c in clients {
                let state = c.revokedAt.map { "revoked \($0)" } ?? "active"
                print(
                    "\(c.name)  units \(c.units.joined(separator: ","))  scopes "
                        + "\(c.scopes.sorted().map(\.rawValue).joined(separator: ","))  added \(c.createdAt)  \(state)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke a client's token (every instance refuses it within 5 seconds).")
        @Argument(help: "The client's name.") var name: String
        @OptionGroup var database: ServeDatabaseOptions

        func run() async throws {
            let ledger = try await database.open()
            defer { Task { try? await ledger.close() } }
            let revoked: Bool
            do { revoked = try await ledger.revokeClient(name: name) } catch { throw ledgerFailure(error) }
            guard revoked else {
                Terminal.error("no active client named \(name)")
                throw ExitCode(ExitCodes.badInput)
            }
            print("Client \(name) revoked.")
        }
    }
}

struct ServeAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The service's audit chain of signatures.",
        subcommands: [Check.self, List.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Recompute the audit chain from its first event; exit 1 if anything does not match.")
        @OptionGroup var database: ServeDatabaseOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let ledger = try await database.open()
            defer { Task { try? await ledger.close() } }
            let report: Ledger.CheckReport
            do { report = try await ledger.checkAudit() } catch { throw ledgerFailure(error) }
            if json {
                print(
                    jsonText(
                        LedgerCheckCommand.CheckOutput(
                            valid: report.valid, entries: report.entries, head: report.head, problems: report.problems),
                        pretty: false))
            } else if report.valid {
                print(Terminal.green("Audit chain intact: \(report.entries) events, chain head \(report.head)"))
            } else {
                for p in report.problems { Terminal.error(p) }
                print(Terminal.red("Audit check FAILED (\(report.problems.count) problems)"))
            }
            if !report.valid { throw ExitCode(ExitCodes.batchHadFailures) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Print audit events as JSON lines.")
        @OptionGroup var database: ServeDatabaseOptions
        @Option(help: "Events after this sequence number.") var after: Int64 = 0
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            let ledger = try await database.open()
            defer { Task { try? await ledger.close() } }
            let entries: [AuditEntry]
            do { entries = try await ledger.store.auditEntries(after: after, limit: limit) } catch {
                throw ledgerFailure(error)
            }
            for e in entries { print(jsonText(e, pretty: false)) }
        }
    }
}
