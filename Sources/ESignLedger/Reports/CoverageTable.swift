import ESignCore

/// The report's rows for one grouping as plain text cells: what the terminal table and the CSV
/// export both print, so the two never disagree.
public struct CoverageTable: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(_ report: CoverageReport, by: CoverageQuery.Grouping? = nil) {
        let figureHeader = ["issued", "classified", "eligible", "signed", "rate", "target", "gap"]
        func cells(_ f: CoverageFigures, _ target: Double?, _ gap: Double?) -> [String] {
            [
                String(f.issued), String(f.classified), String(f.eligible), String(f.signed),
                f.rate.map { Self.percent($0) } ?? "", target.map { Self.percent($0) } ?? "",
                gap.map { Self.signed($0) } ?? "",
            ]
        }
        switch by ?? report.by {
        case .level:
            header = ["level"] + figureHeader + ["units", "units_meeting_target"]
            rows = report.levels.map {
                [$0.level.rawValue] + cells($0.figures, $0.target, $0.gap) + [
                    String($0.units), String($0.unitsMeetingTarget),
                ]
            }
        case .unit:
            header = ["code", "name", "level", "parent_code", "province_code"] + figureHeader + ["rank", "rank_of"]
            rows = report.units.map {
                [$0.code, $0.name, $0.level.rawValue, $0.parentCode ?? "", $0.provinceCode ?? ""]
                    + cells($0.figures, $0.target, $0.gap)
                    + [$0.rank.map(String.init) ?? "", String($0.rankOf)]
            }
        case .month, .quarter, .year:
            header = ["period", "level"] + figureHeader
            rows = report.periods.map { [$0.period, $0.level.rawValue] + cells($0.figures, $0.target, $0.gap) }
        }
    }

    /// Two decimals, no percent sign (so that spreadsheets read a number).
    public static func percent(_ v: Double) -> String {
        let scaled = Int((v * 100).rounded())
        let whole = scaled / 100
        let frac = abs(scaled % 100)
        return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func signed(_ v: Double) -> String { (v > 0 ? "+" : "") + percent(v) }

    public var csv: String { ([header] + rows).map(CSVWriter.row).joined() }
}
