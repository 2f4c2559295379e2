import ESign
import Foundation

/// Verification reports for people (aligned text, colours on a terminal) and for scripts (JSON).
enum ReportRenderer {
    /// One line of `esign.verify/1` JSON (docs/verify-report.md).
    static func json(_ report: DocumentReport) -> String { report.jsonLine }

    static func time(_ date: Date) -> String {
        CivilTime.iso8601(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    static func verdict(_ indication: Indication, _ sub: SubIndication?) -> String {
        let text = indication.rawValue + (sub.map { " (\($0.rawValue))" } ?? "")
        switch indication {
        case .totalPassed: return Terminal.green(text)
        case .totalFailed: return Terminal.red(text)
        case .indeterminate: return Terminal.yellow(text)
        }
    }

    static func text(_ report: DocumentReport) -> String {
        var lines = [
            "\(Terminal.bold(report.file)): \(verdict(report.indication, report.subIndication)) — \(report.summary)"
        ]
        if let encryption = report.encryption {
            let permits = encryption.permissions.isEmpty ? "nothing" : encryption.permissions.joined(separator: ", ")
            lines.append(
                "  encrypted   \(encryption.handler) handler, revision \(encryption.revision), "
                    + "\(encryption.algorithm); opened with the \(encryption.openedWith); permits \(permits)")
        }
        if let until = report.archiveProtectedUntil {
            lines.append("  archive protected until \(time(until)) (the newest document timestamp's TSA certificate)")
        }
        for s in report.signatures {
            lines.append(
                "  \(Terminal.bold(s.fieldName)) [\(s.kind.rawValue)]: \(verdict(s.indication, s.subIndication))")
            if let signer = s.signer {
                lines.append("    signer      \(signer.subject)")
                if let holder = signer.holder { lines.append("    holder      \(holder.summary)") }
                lines.append("    issuer      \(signer.issuer)")
                if let anchor = s.trustAnchor {
                    let named = anchor.name.map { "\($0): " } ?? ""
                    lines.append("    anchor      \(named)\(anchor.subject) (SHA-256 \(anchor.sha256.prefix(16))…)")
                }
                lines.append(
                    "    certificate serial \(signer.serialNumber), valid \(time(signer.notBefore)) → "
                        + "\(time(signer.notAfter)), \(signer.publicKey)"
                )
            }
            if let claimed = s.claimedSigningTime { lines.append("    signed      \(time(claimed)) (claimed)") }
            if let proven = s.provenSigningTime { lines.append("    proven      \(time(proven)) (timestamp)") }
            if let level = s.level {
                let format = s.format ?? (s.kind == .detached ? "CAdES" : "PAdES")
                lines.append("    level       \(format) \(level.rawValue)")
            } else if let format = s.format {
                lines.append("    format      \(format)")
            }
            if let d = s.digestAlgorithm {
                lines.append("    algorithms  \(d)\(s.signatureAlgorithm.map { ", \($0)" } ?? "")")
            }
            var coverage = "    coverage    \(s.coverage.rawValue)"
            if s.laterRevisions > 0 {
                coverage += ", \(s.laterRevisions) later revision(s): \(s.modificationLevel.rawValue)"
            }
            if let level = s.certificationLevel { coverage += ", certification P=\(level)" }
            lines.append(coverage)
            for covered in s.covers ?? [] { lines.append("      · covers \(covered)") }
            for m in s.modifications.prefix(5) { lines.append("      · \(m)") }
            for check in s.checks {
                let mark: String
                switch check.outcome {
                case .passed: mark = Terminal.green("✓")
                case .failed: mark = Terminal.red("✗")
                case .indeterminate: mark = Terminal.yellow("?")
                case .notApplicable: mark = "–"
                }
                lines.append("    \(mark) \(check.name)\(check.detail.map { ": \($0)" } ?? "")")
            }
        }
        return lines.joined(separator: "\n")
    }
}
