import Foundation

/// What the validators nobody here wrote say about a signed PDF, reduced to the facts tests assert.
public struct PeerReport: Sendable {
    /// pdfsig's verdict per signature, in file order: (valid, total document signed).
    public let pdfsig: [(valid: Bool, total: Bool)]
    /// pyHanko's status line per signature field: "INTACT:TRUSTED,UNTOUCHED" etc.
    public let pyhanko: [String: String]
    /// pyHanko's output when it could not read the file at all.
    public let pyhankoError: String?
    public let qpdfStatus: Int32

    /// Runs qpdf --check, pdfsig and pyhanko sign validate on `path`.
    public static func of(_ path: String, trust: String, lenientSyntax: Bool = false) throws -> PeerReport {
        let qpdf = try Peers.qpdfCheck(path)
        let sig = try Peers.pdfsig(path)
        var blocks: [(Bool, Bool)] = []
        for block in sig.stdout.components(separatedBy: "Signature #").dropFirst() {
            blocks.append((block.contains("Signature is Valid"), block.contains("Total document signed")))
        }
        let hanko = try Peers.pyhankoValidate(path, trust: trust, lenient: lenientSyntax)
        var statuses: [String: String] = [:]
        for line in hanko.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, parts[1].count == 64 { statuses[String(parts[0])] = String(parts[2]) }
        }
        let error = statuses.isEmpty ? hanko.combined : nil
        return PeerReport(pdfsig: blocks, pyhanko: statuses, pyhankoError: error, qpdfStatus: qpdf.status)
    }
}
