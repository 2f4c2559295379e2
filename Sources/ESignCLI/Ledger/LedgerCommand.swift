import ArgumentParser

/// `esign ledger`: the append-only record of issued documents.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract:
            "The ledger of issued documents: import exports, add, list, check the hash chain, generate test data.",
        discussion: """
            The ledger is an embedded SQLite file by default (~/.local/share/esign/ledger.sqlite, or \
            $ESIGN_LEDGER); give --database postgres://… or set ESIGN_DATABASE_URL to share one \
            PostgreSQL ledger between several signing services. Entries are append-only and hash-chained.
            """,
        subcommands: [
            LedgerImportCommand.self, LedgerAddCommand.self, LedgerListCommand.self, LedgerCheckCommand.self,
            LedgerGenerateCommand.self,
        ]
    )
}
