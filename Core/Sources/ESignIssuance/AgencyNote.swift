import ESignAppearance
import ESignCore
import ESignPDF
import ESignSignatures
import ESignTimestamps
import Foundation

/// The agency signatures without image that Decree 30/2020 puts at the top right of the first
/// page: on an attachment issued in a separate file (the main document's number and symbol, and the
/// time) and on an electronic copy (the copy form, the copying agency, and the time).
public struct AgencyNote: Sendable {
    public enum Kind: Sendable {
        case attachment(mainReference: String)
        case copy(form: CopyForm)
    }

    /// The forms of copy (Decree 30/2020, art. 25).
    public enum CopyForm: String, CaseIterable, Sendable {
        case saoY = "SAO Y"
        case saoLuc = "SAO LỤC"
        case trichSao = "TRÍCH SAO"
        public init?(parsing text: String) {
            let t = text.precomposedStringWithCanonicalMapping.uppercased().trimmingCharacters(in: .whitespaces)
            guard let form = CopyForm.allCases.first(where: { $0.rawValue == t }) else { return nil }
            self = form
        }
    }

    public var agency: SigningIdentity
    public var layout: Decree30Layout
    public var timestampClient: TimestampClient?

    public init(agency: SigningIdentity, layout: Decree30Layout) {
        self.agency = agency
        self.layout = layout
    }

    public func lines(_ kind: Kind, time: Date) -> [String] {
        let when = Decree30Layout.time(time)
        switch kind {
        case .attachment(let reference): return ["Kèm theo văn bản số \(reference)", when]
        case .copy(let form):
            // Two lines, to stay in the top margin above the national motto.
            return [
                "\(form.rawValue) - \(agency.certificate.subject["O"] ?? agency.certificate.subject.commonName ?? "")",
                when,
            ]
        }
    }

    @discardableResult
    public func sign(
        _ kind: Kind, input: String, output: String, overwrite: Bool, at time: Date = Date()
    ) throws -> SigningResult {
        let document: PDFDocument
        do { document = try PDFDocument(path: input) } catch { throw SigningError.from(error, path: input) }
        let box: [Double]
        do { box = try VisibleSignature.pageBox(document, page: try document.pageReference(at: 0)) } catch {
            throw SigningError.badInput("\(input): \(error)")
        }
        var options = PAdESOptions()
        options.visible = layout.note(lines: lines(kind, time: time), pageBox: box)
        options.signingTime = time
        options.overwrite = overwrite
        options.timestampClient = timestampClient
        switch kind {
        case .attachment(let reference):
            options.reason = "Ký phụ lục kèm theo văn bản số \(reference)"
            options.fieldName = "ChuKyPhuLuc"
        case .copy(let form):
            options.reason = form.rawValue
            options.fieldName = "ChuKyBanSao"
        }
        return try PAdESSigner(identity: agency, options: options).sign(input: input, output: output)
    }
}
