import ArgumentParser
import ESign

/// `esign`: sign, verify and timestamp Vietnamese administrative documents.
@main
struct ESignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esign",
        abstract:
            "Sign, verify, timestamp and issue administrative documents (PAdES, CAdES, Decree 30/2020) over OpenSSL "
            + "3, and measure how many are signed.",
        discussion: """
            Start with `esign demo`: it makes a demo PKI, issues a sample decision with the official's signature and \
            the agency seal (Decree 30/2020), verifies it, records it in a ledger and writes a coverage report.

            Exit codes: 0 success; 1 some files of a batch failed; 64 usage error; 65 bad input \
            (not a PDF, broken, encrypted); 66 input file missing; 70 internal or OpenSSL error; \
            69 time-stamping authority unavailable; 73 output exists or cannot be created (or written); \
            77 key, certificate or password unusable. Ledger commands: 65 bad rows or unknown units \
            (nothing imported), 69 database unreachable, 1 `ledger check` found a broken chain. `esign verify` also \
            uses 2 for INDETERMINATE.
            """,
        subcommands: [
            SignCommand.self, IssueCommand.self, AttachCommand.self, CopyCommand.self, VerifyCommand.self,
            TimestampCommand.self, TSACommand.self, UnitsCommand.self, LedgerCommand.self,
            StatsCommand.self, PKICommand.self, TokenCommand.self, TrustCommand.self, LTVCommand.self,
            ServeCommand.self, DemoCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, after OpenSSL is set up for a command-line process.
    static func main() async {
        OpenSSLLibrary.initialiseForShortLivedProcess()
        ProcessMemory.keepFreedMemoryForReuse()  // batches of documents allocate and free alike, file after file
        OpenSSLLibrary.prepareInBackground()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
