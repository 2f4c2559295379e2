import ESignCore
import Foundation

/// Makes a realistic year of documents for one province, with signing rates planted per unit, for
/// tests and benchmarks: `esign stats` over the result must find the planted rates again.
///
/// Each unit in force in the province on 1 January gets a number of documents by level (the
/// provincial offices issue most), a share of classified ones, and an exact number of signed ones:
/// round(rate × non-classified), so that the planted rate is a property of the data, not an
/// expectation. Dates fall on working days; numbers run per unit from 1 in date order.
public struct SyntheticProvince {
    public struct Plan: Codable, Sendable {
        public var seed: UInt64
        public var province: String
        public var year: Int
        public var documents: Int
        public var levels: [String: CoverageFigures]
        public var units: [String: CoverageFigures]
    }

    public var seed: UInt64
    public var province: String
    public var year: Int
    /// Approximate total number of documents.
    public var documents: Int
    /// Mean planted rate per level (percent) and the spread around it.
    public var meanRates: [AdministrativeLevel: Double] = [.province: 98, .district: 90, .commune: 84]
    public var spread: Double = 8
    public var classifiedShare: Double = 0.03

    public init(seed: UInt64, province: String, year: Int, documents: Int = 40_000) {
        self.seed = seed
        self.province = province
        self.year = year
        self.documents = documents
    }

    static let types = ["QĐ", "CV", "TB", "BC", "KH", "TTr"]
    static let weights: [AdministrativeLevel: Double] = [.central: 8, .province: 8, .district: 4, .commune: 1]

    /// Writes the documents as a ledger import CSV and returns the plan (what was planted).
    public func write(csv path: String, directory: UnitDirectory) throws -> Plan {
        guard let jan1 = CivilDate(year: year, month: 1, day: 1), let dec31 = CivilDate(year: year, month: 12, day: 31)
        else {
            throw LedgerError.invalidArgument("year \(year) is out of range")
        }
        let units = directory.allUnits.filter { u in
            u.isInForce(on: jan1) && ((try? directory.resolve(u.code, on: jan1))?.provinceCode == province)
        }.sorted { $0.code < $1.code }
        guard !units.isEmpty else {
            throw LedgerError.invalidArgument(
                "no unit of province \(province) is in force on \(jan1): import the unit list first")
        }
        var rng = SeededGenerator(seed: seed)
        let totalWeight = units.reduce(0) { $0 + (Self.weights[$1.level] ?? 1) }
        let workingDays = (jan1.dayNumber...dec31.dayNumber).filter { d in
            let weekday = (d + 4) % 7  // 1970-01-01 was a Thursday; 0 = Sunday
            return weekday != 0 && weekday != 6 && (units.allSatisfy { $0.isInForce(on: CivilDate(dayNumber: d)) })
        }
        var plan = Plan(seed: seed, province: province, year: year, documents: 0, levels: [:], units: [:])
        guard
            let out = FileHandle(forWritingAtPath: path)
                ?? {
                    FileManager.default.createFile(atPath: path, contents: nil)
                        ? FileHandle(forWritingAtPath: path) : nil
                }()
        else { throw LedgerError.invalidArgument("cannot write \(path)") }
        defer { try? out.close() }
        try out.truncate(atOffset: 0)
        var buffer = Array("number,unit_code,issued_on,signed,classified,type,signature_count\n".utf8)
        buffer.reserveCapacity(1 << 20)
        for unit in units {
            let share = (Self.weights[unit.level] ?? 1) / totalWeight
            let n = max(20, Int((Double(documents) * share * Double.random(in: 0.8...1.2, using: &rng)).rounded()))
            let mean = meanRates[unit.level] ?? 90
            let rate = min(
                100, max(30, mean + Double.random(in: -spread...spread, using: &rng) + (mean >= 98 ? spread / 2 : 0)))
            let classified = Int((Double(n) * classifiedShare * Double.random(in: 0.5...1.5, using: &rng)).rounded())
            let eligible = n - classified
            let signed = Int((Double(eligible) * rate / 100).rounded())
            // Flags: 0 unsigned, 1 signed, 2 classified (paper, unsigned), 3 classified signed.
            var flags = [UInt8](repeating: 0, count: n)
            for i in 0..<signed { flags[i] = 1 }
            for i in eligible..<n { flags[i] = Bool.random(using: &rng) ? 3 : 2 }
            flags.shuffle(using: &rng)
            var days = (0..<n).map { _ in workingDays[Int.random(in: 0..<workingDays.count, using: &rng)] }
            days.sort()
            let suffix =
                unit.level == .province && unit.code.contains("-")
                ? String(unit.code.split(separator: "-").last!) : "UBND"
            for i in 0..<n {
                let type = Self.types[Int(rng.next() % UInt64(Self.types.count))]
                let isSigned = flags[i] == 1 || flags[i] == 3
                let classified = flags[i] >= 2
                let signatures = isSigned ? (unit.level == .commune ? 1 : 2) : 0
                let line =
                    "\(i + 1)/\(type)-\(suffix),\(unit.code),\(CivilDate(dayNumber: days[i])),\(isSigned),"
                    + "\(classified),\(type),\(signatures)\n"
                buffer.append(contentsOf: line.utf8)
                if buffer.count > 1 << 20 {
                    out.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            let figures = CoverageFigures(issued: n, classified: classified, signed: signed)
            plan.units[unit.code] = figures
            var level = plan.levels[unit.level.rawValue] ?? CoverageFigures()
            level.issued += n
            level.classified += classified
            level.signed += signed
            plan.levels[unit.level.rawValue] = level
            plan.documents += n
        }
        out.write(Data(buffer))
        return plan
    }
}
