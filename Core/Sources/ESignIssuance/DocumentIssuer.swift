import ESignAppearance
import ESignCore
import ESignCrypto
import ESignPDF
import ESignSignatures
import ESignTimestamps
import Foundation

/// Issues a document the way an agency does (Decree 30/2020): the competent official signs at the
/// signer block, the agency's seal is applied over it, the document gets the unit's next number
/// for the year, and the issued file is recorded in the ledger, all in one step.
///
/// The number is taken while the ledger is locked and the document signed under that lock, so that
/// concurrent issuers of one unit get consecutive numbers with no gap: if signing fails, the number
/// is not used.
public struct DocumentIssuer: Sendable {
    public var official: SigningIdentity
    public var seal: SigningIdentity
    public var signatureImage: PNGImage
    public var sealImage: PNGImage
    public var layout: Decree30Layout
    public var timestampClient: TimestampClient?
    /// B-LT or B-LTA: the validation data of both signatures (and a document timestamp) added
    /// after the seal, before the output is published.
    public var longTerm: LongTermExtender?
    /// Titles to look for at the signer block; default: the official's certificate title, then the
    /// usual ones (CHỦ TỊCH, GIÁM ĐỐC, …).
    public var titles: [String] = []
    /// Writes the number and date onto the document before it is signed; nil leaves the page as
    /// it is (a document whose number was written by other software).
    public var numbering: DocumentNumbering?
    /// How both signatures pad with RSA keys (PKCS#1 v1.5 unless RSASSA-PSS is asked for).
    public var rsaPadding: RSAPadding = .pkcs1v15

    public init(
        official: SigningIdentity, seal: SigningIdentity, signatureImage: PNGImage, sealImage: PNGImage,
        layout: Decree30Layout
    ) {
        self.official = official
        self.seal = seal
        self.signatureImage = signatureImage
        self.sealImage = sealImage
        self.layout = layout
        numbering = DocumentNumbering(font: layout.font)
    }

    public static let usualTitles = [
        "CHỦ TỊCH", "GIÁM ĐỐC", "BỘ TRƯỞNG", "CHÁNH VĂN PHÒNG", "TRƯỞNG PHÒNG", "THỦ TRƯỞNG", "TRƯỞNG BAN",
    ]

    public struct Result: Sendable, Codable {
        public var output: String
        public var number: Int
        /// Number and symbol, e.g. 01/QĐ-UBND.
        public var reference: String
        public var documentID: String
        public var ledgerSequence: Int64
        public var signedAt: String

        public init(
            output: String, number: Int, reference: String, documentID: String, ledgerSequence: Int64, signedAt: String
        ) {
            self.output = output
            self.number = number
            self.reference = reference
            self.documentID = documentID
            self.ledgerSequence = ledgerSequence
            self.signedAt = signedAt
        }
    }

    /// `01/QĐ-UBND`: numbers below 10 are written with a leading zero, as the decree numbers from 01.
    public static func reference(number: Int, symbol: String) -> String {
        (number < 10 ? "0\(number)" : String(number)) + "/" + symbol
    }

    /// Finds where the number and date go on `input` (nil without `numbering`). Called before a
    /// number is taken, so that a layout without a number line is refused with nothing reserved.
    public func locate(input: String) throws -> DocumentNumbering.Places? {
        guard let numbering else { return nil }
        let document: PDFDocument
        do { document = try PDFDocument(path: input) } catch { throw SigningError.from(error, path: input) }
        do { return try numbering.locate(in: document) } catch let error as PDFError {
            throw SigningError.from(error, path: input)
        }
    }

    /// Issues `input` into `output` as number `reference` dated `issuedOn`: the clerk's update
    /// writes the number and date (at `places`), then the official signs, then the seal; both
    /// signatures cover the number. Returns the SHA-256 of the result.
    ///
    /// Numbering comes first so that the official's signature covers the number and date as well
    /// as the text: no later change to the page is needed, so no verifier has to allow one.
    public func sign(
        input: String, output: String, reference: String, issuedOn: CivilDate? = nil,
        places: DocumentNumbering.Places? = nil, at time: Date, overwrite: Bool
    ) throws -> String {
        let document: PDFDocument
        do { document = try PDFDocument(path: input) } catch { throw SigningError.from(error, path: input) }
        let name = official.certificate.subject.commonName
        let titleCandidates =
            (official.certificate.subject["title"].map { [$0.uppercased()] } ?? [])
            + (titles.isEmpty ? Self.usualTitles : titles)
        // A page whose text cannot be read just means the default position.
        let block = (try? Decree30Layout.findSignerBlock(in: document, titles: titleCandidates, name: name)) ?? nil
        let signerBlock = try block ?? defaultBlock(document)
        let pages = try document.pageReferences()
        let box = try VisibleSignature.pageBox(document, page: pages[min(signerBlock.page, pages.count - 1)])
        let officialVisible = layout.official(image: signatureImage, block: signerBlock).inside(box)
        let agency = seal.certificate.subject["O"] ?? seal.certificate.subject.commonName ?? "Cơ quan"
        let sealVisible = layout.seal(
            image: sealImage, agency: agency, time: Decree30Layout.time(time), over: officialVisible
        ).inside(box)

        let directory = (output as NSString).deletingLastPathComponent
        let stem = (directory.isEmpty ? "." : directory) + "/.\((output as NSString).lastPathComponent)"
        let temporary = stem + ".official-\(getpid()).tmp"
        let numbered = stem + ".numbered-\(getpid()).tmp"
        defer {
            unlink(temporary)
            unlink(numbered)
        }
        var officialInput = input
        if let numbering, let places {
            let update = try numbering.write(
                places, reference: reference, date: issuedOn ?? CivilDate.today(), into: document)
            let file = try AtomicOutputFile(destination: numbered, overwrite: true)
            try file.write(try document.source.read(at: 0, length: document.source.count))
            try file.write(update)
            try file.commit()
            officialInput = numbered
        }
        func options(_ visible: VisibleSignature, field: String, reason: String) -> PAdESOptions {
            var o = PAdESOptions()
            o.rsaPadding = rsaPadding
            o.visible = visible
            o.signingTime = time
            o.fieldName = field
            o.reason = reason
            return o
        }
        var first = options(
            officialVisible, field: "ChuKyNguoiCoThamQuyen", reason: "Ký ban hành văn bản số \(reference)")
        first.overwrite = true
        _ = try PAdESSigner(identity: official, options: first).sign(input: officialInput, output: temporary)
        var second = options(sealVisible, field: "ChuKyCoQuan", reason: "Đóng dấu ban hành văn bản số \(reference)")
        second.overwrite = overwrite
        second.timestampClient = timestampClient
        second.longTerm = longTerm
        _ = try PAdESSigner(identity: seal, options: second).sign(input: temporary, output: output)
        return try FileDigest.sha256Hex(path: output)
    }

    /// Without a recognisable signer block: the right half of the last page, above the bottom margin.
    func defaultBlock(_ document: PDFDocument) throws -> Decree30Layout.SignerBlock {
        let pages = try document.pageReferences()
        let box = try VisibleSignature.pageBox(document, page: pages[pages.count - 1])
        return .init(
            page: pages.count - 1, centreX: box[0] + (box[2] - box[0]) * 0.72, top: box[1] + 200, bottom: box[1] + 138)
    }
}
