import ESignCore

/// One row of the outgoing-document register (sổ đăng ký văn bản đi): a number given by
/// `esign issue` (issued or void), or a document recorded otherwise (an import, `ledger add`).
public struct RegisterEntry: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Issued by `esign issue`: the number is on a signed document in the ledger.
        case issued
        /// Given, then not used: the reason says why.
        case void
        /// Given and still being signed.
        case reserved
        /// A document in the ledger that did not get its number from esign (imported, added).
        case recorded
    }
    /// The number alone (nil where the recorded reference does not start with one).
    public var number: Int?
    /// Number and symbol, `01/QĐ-UBND`.
    public var reference: String
    public var series: String
    public var date: CivilDate?
    public var type: String?
    public var subject: String?
    public var signer: String?
    public var recipients: String?
    public var copies: Int?
    public var status: Status
    public var note: String?
    public var documentID: String?

    enum CodingKeys: String, CodingKey {
        case number, reference, series, date, type, subject, signer, recipients, copies, status, note
        case documentID = "document_id"
    }

    init(reservation r: NumberReservation) {
        number = r.number
        reference = r.reference
        series = r.series
        date = r.details.issuedOn
        type = r.details.type
        subject = r.details.subject
        signer = r.details.signer
        recipients = r.details.recipients
        copies = r.details.copies
        status = RegisterEntry.Status(rawValue: r.status.rawValue) ?? .void
        note = r.status == .void ? "Số không sử dụng: \(r.reason ?? "")" : nil
        documentID = r.documentID
    }

    init(record r: DocumentRecord) {
        number = Int(r.number.prefix { $0.isNumber })
        reference = r.number
        series = ""
        date = r.issuedOn
        type = r.type
        subject = r.title
        status = .recorded
        note = r.classified ? "Văn bản mật" : r.signed ? nil : "Không ký số"
        documentID = r.documentID
    }

    /// Number order; references without a number last.
    var sortKey: Int { number ?? .max }
}

/// The register as Decree 30/2020 (Appendix IV) lays it out: number and symbol, date, type and
/// summary, signer, recipients, copies, notes; as text cells (the terminal table and the CSV
/// print the same) and as one printable HTML page (A4 landscape).
public struct OutgoingRegister: Sendable {
    public var unitCode: String
    public var unitName: String?
    public var year: Int
    public var entries: [RegisterEntry]

    public init(unitCode: String, unitName: String?, year: Int, entries: [RegisterEntry]) {
        self.unitCode = unitCode
        self.unitName = unitName
        self.year = year
        self.entries = entries
    }

    /// The register's columns, in the decree's Vietnamese headings.
    public static let header = [
        "Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung", "Người ký", "Nơi nhận",
        "Số lượng bản", "Ghi chú",
    ]

    public var rows: [[String]] {
        entries.map { e in
            let summary = [e.type, e.subject].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " – ")
            let status = e.status == .reserved ? "Đang ban hành" : nil
            return [
                e.reference, e.date.map(Self.date) ?? "", summary, e.signer ?? "", e.recipients ?? "",
                e.copies.map(String.init) ?? "", [e.note, status].compactMap { $0 }.joined(separator: "; "),
            ]
        }
    }

    public var csv: String { ([Self.header] + rows).map(CSVWriter.row).joined() }

    /// dd/mm/yyyy, as registers are kept.
    static func date(_ d: CivilDate) -> String {
        let (y, m, day) = d.fields
        return "\(CivilTime.two(day))/\(CivilTime.two(m))/\(y)"
    }

    public func html(generatedAt: String) -> String {
        let e = CoverageHTML.escape
        let title = "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
        var out = """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8"><title>\(title) \(year) – \(e(unitName ?? unitCode))</title>
            <style>
            @page{size:A4 landscape;margin:15mm}
            body{font-family:"DejaVu Serif","Times New Roman",serif;font-size:12px;color:#000;margin:16px}
            h1{font-size:18px;text-align:center;margin:4px 0} .meta{text-align:center;margin-bottom:10px}
            table{border-collapse:collapse;width:100%} th,td{border:1px solid #000;padding:3px 5px;vertical-align:top}
            th{font-weight:bold;text-align:center} td.n{text-align:center;white-space:nowrap}
            tr.void td{color:#8a1c1c} tr.void td:first-child{text-decoration:line-through}
            thead{display:table-header-group} tr{page-break-inside:avoid}
            </style></head><body>
            <div class="meta">\(e(unitName ?? "")) (mã \(e(unitCode)))</div>
            <h1>\(title)</h1>
            <div class="meta">Năm \(year) · \(entries.count) số · lập lúc \(e(generatedAt))</div>
            <table><thead><tr>\(Self.header.map { "<th>\(e($0))</th>" }.joined())</tr>
            <tr>\((1...Self.header.count).map { "<th>(\($0))</th>" }.joined())</tr></thead><tbody>

            """
        for (entry, row) in zip(entries, rows) {
            let cells = row.enumerated().map { i, c in "<td\([0, 1, 5].contains(i) ? " class=\"n\"" : "")>\(e(c))</td>"
            }
            out += "<tr class=\"\(entry.status.rawValue)\">\(cells.joined())</tr>\n"
        }
        out += "</tbody></table></body></html>\n"
        return out
    }
}
