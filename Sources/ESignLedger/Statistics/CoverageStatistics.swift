import ESignCore

/// Turns per-day counts into the report: per level, per unit (ranked within its level), per
/// period, against targets. Pure computation, the same whichever database the counts came from.
public enum CoverageStatistics {
    public static func report(
        counts all: [CoverageCount], directory: UnitDirectory, query: CoverageQuery
    ) -> CoverageReport {
        let counts = all.filter { c in
            (query.province.map { c.provinceCode == $0 } ?? true)
                && (query.units.map { $0.contains(c.unitCode) } ?? true)
                && (query.from.map { c.day >= $0 } ?? true)
                && (query.to.map { c.day <= $0 } ?? true)
        }
        var report = CoverageReport(
            from: query.from?.description, to: query.to?.description, province: query.province, by: query.by)
        let targetYear = (query.to ?? counts.map(\.day).max())?.year
        func target(_ level: AdministrativeLevel, year: Int?) -> Double? {
            query.targets.target(for: level, year: year, province: query.province)
        }
        func gap(_ f: CoverageFigures, _ t: Double?) -> Double? {
            guard let r = f.rate, let t else { return nil }
            return ((r - t) * 100).rounded() / 100
        }

        // Per unit (a unit that changed level keeps one row per level).
        struct UnitKey: Hashable {
            var code: String
            var level: AdministrativeLevel
        }
        var perUnit: [UnitKey: (figures: CoverageFigures, province: String, lastDay: CivilDate)] = [:]
        var perLevel: [AdministrativeLevel: CoverageFigures] = [:]
        for c in counts {
            report.overall.add(c)
            perLevel[c.level, default: CoverageFigures()].add(c)
            let key = UnitKey(code: c.unitCode, level: c.level)
            var entry = perUnit[key] ?? (CoverageFigures(), c.provinceCode, c.day)
            entry.figures.add(c)
            if c.day > entry.lastDay {
                entry.lastDay = c.day
                entry.province = c.provinceCode
            }
            perUnit[key] = entry
        }
        var unitRows: [CoverageReport.UnitRow] = perUnit.map { key, value in
            let version = directory.version(of: key.code, on: value.lastDay) ?? directory.latest(key.code)
            let t = target(key.level, year: targetYear)
            return CoverageReport.UnitRow(
                code: key.code, name: version?.name ?? key.code, level: key.level, parentCode: version?.parentCode,
                provinceCode: value.province.isEmpty ? nil : value.province, figures: value.figures,
                target: t, gap: gap(value.figures, t), rank: nil, rankOf: 0)
        }
        // Rank within level: best rate first; equal rates share a rank (1, 2, 2, 4).
        for level in Set(unitRows.map(\.level)) {
            let indices = unitRows.indices.filter { unitRows[$0].level == level && unitRows[$0].figures.rate != nil }
                .sorted { unitRows[$0].figures.rate! > unitRows[$1].figures.rate! }
            var previous: Double?
            var rank = 0
            for (position, i) in indices.enumerated() {
                let rate = unitRows[i].figures.rate!
                if rate != previous {
                    rank = position + 1
                    previous = rate
                }
                unitRows[i].rank = rank
            }
            for i in unitRows.indices where unitRows[i].level == level { unitRows[i].rankOf = indices.count }
        }
        unitRows.sort { a, b in
            if a.level != b.level { return a.level < b.level }
            if a.rank != b.rank { return (a.rank ?? Int.max) < (b.rank ?? Int.max) }
            return a.code < b.code
        }
        report.units = unitRows
        report.weakest = Array(
            unitRows.filter { $0.figures.rate != nil }
                .sorted { a, b in
                    let ga = a.gap ?? a.figures.rate!
                    let gb = b.gap ?? b.figures.rate!
                    return ga != gb ? ga < gb : a.code < b.code
                }.prefix(query.weakestCount))

        report.levels = perLevel.keys.sorted().map { level in
            let f = perLevel[level]!
            let t = target(level, year: targetYear)
            let units = unitRows.filter { $0.level == level }
            return CoverageReport.LevelRow(
                level: level, figures: f, target: t, gap: gap(f, t), units: units.count,
                unitsMeetingTarget: units.filter { u in u.figures.rate.map { r in t.map { r >= $0 } ?? false } ?? false
                }.count)
        }

        // Periods: every period from the first to the last day asked (or seen), empty ones included.
        let periodKind: CoverageQuery.Grouping = [.month, .quarter, .year].contains(query.by) ? query.by : .month
        if let first = query.from ?? counts.map(\.day).min(), let last = query.to ?? counts.map(\.day).max(),
            first <= last
        {
            var perPeriod: [String: [AdministrativeLevel: CoverageFigures]] = [:]
            for c in counts {
                perPeriod[periodKey(c.day, periodKind), default: [:]][c.level, default: CoverageFigures()].add(c)
            }
            let levels = perLevel.keys.sorted()
            for (key, year) in periodKeys(from: first, to: last, periodKind) {
                for level in levels {
                    let f = perPeriod[key]?[level] ?? CoverageFigures()
                    let t = target(level, year: year)
                    report.periods.append(
                        CoverageReport.PeriodRow(period: key, level: level, figures: f, target: t, gap: gap(f, t)))
                }
            }
        }
        return report
    }

    static func periodKey(_ day: CivilDate, _ kind: CoverageQuery.Grouping) -> String {
        let f = day.fields
        switch kind {
        case .year: return String(f.year)
        case .quarter: return "\(f.year)-Q\((f.month - 1) / 3 + 1)"
        default: return "\(f.year)-\(CivilTime.two(f.month))"
        }
    }

    static func periodKeys(from: CivilDate, to: CivilDate, _ kind: CoverageQuery.Grouping) -> [(String, Int)] {
        var keys: [(String, Int)] = []
        var (y, m) = (from.year, from.month)
        let end = (to.year, to.month)
        while (y, m) <= end {
            let key = periodKey(CivilDate(year: y, month: m, day: 1)!, kind)
            if keys.last?.0 != key { keys.append((key, y)) }
            m += 1
            if m > 12 {
                m = 1
                y += 1
            }
        }
        return keys
    }
}
