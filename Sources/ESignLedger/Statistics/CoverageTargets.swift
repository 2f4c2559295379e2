import ESignCore
import Foundation

/// Target rates per level, optionally per year and per province: provinces set their own
/// (Bình Thuận: 90/80/60% by 2025, 100/90/70% by 2030). The most specific target applies.
///
/// File formats: CSV with header `level,target` and optional `year,province_code` columns, or JSON
/// `[{"level": "district", "target": 90, "year": 2025, "province_code": "60"}]`.
public struct CoverageTargets: Sendable, Codable, Equatable {
    public struct Target: Sendable, Codable, Equatable {
        public var level: AdministrativeLevel
        /// Percent.
        public var target: Double
        public var year: Int?
        public var provinceCode: String?
        enum CodingKeys: String, CodingKey {
            case level, target, year
            case provinceCode = "province_code"
        }
        public init(level: AdministrativeLevel, target: Double, year: Int? = nil, provinceCode: String? = nil) {
            self.level = level
            self.target = target
            self.year = year
            self.provinceCode = provinceCode
        }
    }

    public var targets: [Target]

    public init(_ targets: [Target]) { self.targets = targets }

    /// The figures provinces report against: province 100%, district 90%, commune 85%.
    public static let defaults = CoverageTargets([
        Target(level: .central, target: 100), Target(level: .province, target: 100),
        Target(level: .district, target: 90), Target(level: .commune, target: 85),
    ])

    /// The target for a level in a year and province: an exact match on both beats one on either,
    /// which beats a general one; file entries beat the defaults.
    public func target(for level: AdministrativeLevel, year: Int?, province: String?) -> Double? {
        func score(_ t: Target) -> Int? {
            guard t.level == level else { return nil }
            var s = 0
            if let y = t.year {
                guard y == year else { return nil }
                s += 1
            }
            if let p = t.provinceCode {
                guard p == province else { return nil }
                s += 2
            }
            return s
        }
        let candidates = (targets + Self.defaults.targets).enumerated().compactMap { i, t in score(t).map { (i, $0, t) }
        }
        return candidates.max { a, b in a.1 != b.1 ? a.1 < b.1 : a.0 > b.0 }?.2.target
    }

    public static func load(path: String) throws -> CoverageTargets {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError.invalidArgument("cannot read targets file \(path)")
        }
        if path.lowercased().hasSuffix(".json") {
            do { return CoverageTargets(try JSONDecoder().decode([Target].self, from: data)) } catch {
                throw LedgerError.invalidInput(
                    file: path,
                    problems: [InputProblem(line: 1, "not a list of {level, target, year?, province_code?}: \(error)")])
            }
        }
        let reader = CSVReader(bytes: Array(data), name: path)
        var problems: [InputProblem] = []
        var list: [Target] = []
        do {
            guard let header = try reader.next() else {
                throw LedgerError.invalidInput(file: path, problems: [InputProblem(line: 1, "empty targets file")])
            }
            let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let li = names.firstIndex(of: "level"), let ti = names.firstIndex(of: "target") else {
                throw LedgerError.invalidInput(
                    file: path,
                    problems: [InputProblem(line: 1, "header needs level,target (and optionally year,province_code)")])
            }
            let yi = names.firstIndex(of: "year")
            let pi = names.firstIndex(of: "province_code")
            while let row = try reader.next() {
                let f = row.fields
                guard f.count == names.count else {
                    problems.append(InputProblem(line: row.line, "\(f.count) fields, expected \(names.count)"))
                    continue
                }
                guard let level = AdministrativeLevel(parsing: f[li]) else {
                    problems.append(InputProblem(line: row.line, "unknown level \"\(f[li])\""))
                    continue
                }
                guard
                    let t = Double(f[ti].replacingOccurrences(of: "%", with: "").trimmingCharacters(in: .whitespaces)),
                    (0...100).contains(t)
                else {
                    problems.append(
                        InputProblem(line: row.line, "target \"\(f[ti])\" is not a percentage from 0 to 100"))
                    continue
                }
                var year: Int?
                if let yi, !f[yi].isEmpty {
                    guard let y = Int(f[yi]), (1900...9999).contains(y) else {
                        problems.append(InputProblem(line: row.line, "year \"\(f[yi])\" is not a year"))
                        continue
                    }
                    year = y
                }
                let province = pi.flatMap { f[$0].isEmpty ? nil : f[$0] }
                list.append(Target(level: level, target: t, year: year, provinceCode: province))
            }
        } catch let e as LedgerError { throw e } catch {
            problems.append(InputProblem(line: reader.line, "unreadable CSV"))
        }
        guard problems.isEmpty else { throw LedgerError.invalidInput(file: path, problems: problems) }
        return CoverageTargets(list)
    }
}
