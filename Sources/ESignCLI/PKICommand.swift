import ArgumentParser
import ESign
import Foundation

/// `esign pki`: certificates for trying esign.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Demo PKI for trying esign (not for real documents).",
        subcommands: [Demo.self]
    )

    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Create a demo root CA, issuing CA, signers for each level, a TSA and an OCSP responder.",
            discussion: """
                Writes NAME.pem, NAME.key.pem (encrypted PKCS#8) and NAME.p12 for root, issuing-ca, \
                province-official, province-seal, district-official, district-seal, commune-official, \
                commune-seal, tsa and ocsp, plus chain.pem and password.txt (the keys' password, mode 0600).
                Real deployments use certificates from licensed Vietnamese CAs; see certs/README.md.
                """
        )

        @Option(help: ArgumentHelp("Folder to write into.", valueName: "dir")) var dir = "esign-demo/pki"
        @Option(help: ArgumentHelp("OCSP URL to put in end-entity certificates (AIA).", valueName: "url")) var ocspUrl:
            String?
        @Option(help: ArgumentHelp("CRL URL to put in end-entity certificates (CDP).", valueName: "url")) var crlUrl:
            String?
        @Option(
            help: ArgumentHelp(
                "CRL URL to put in the issuing CA's certificate; the root's CRL is written as root.crl.",
                valueName: "url"))
        var caCrlUrl: String?
        @Option(help: ArgumentHelp("Days the signers' certificates are valid (default 1095).", valueName: "n"))
        var signerDays: Int?
        @Option(
            help: ArgumentHelp(
                "Days the TSA and OCSP responder certificates are valid (default: as the signers').", valueName: "n"))
        var tsaDays: Int?
        @Flag(help: "Replace an existing demo PKI in the folder.") var force = false

        func run() throws {
            var options = DemoPKI.Options()
            options.ocspURL = ocspUrl
            options.crlURL = crlUrl
            options.overwrite = force
            options.caCRLURL = caCrlUrl
            if let signerDays { options.notAfter = Date().addingTimeInterval(Double(signerDays) * 86400) }
            if let tsaDays { options.tsaNotAfter = Date().addingTimeInterval(Double(tsaDays) * 86400) }
            do {
                let pki = try DemoPKI.create(in: dir, options: options)
                print("Demo PKI written to \(pki.directory)")
                print("  trust anchor:  \(pki.rootPath)")
                print("  signers:       \(pki.signers.keys.sorted().joined(separator: ", ")) (.p12, .pem, .key.pem)")
                print("  password:      \(pki.passwordPath)")
            } catch let error as SigningError {
                throw fail(error)
            }
        }
    }
}
