import ESignCore

/// All versions of all administrative units, indexed to answer "which unit, at which level and in
/// which province, was this code on that day?" without touching the database.
///
/// ```swift
/// let directory = try UnitDirectory(units)
/// let placed = try directory.resolve("25441", on: CivilDate(iso8601: "2024-05-15")!)
/// placed.level      // .commune
/// placed.province   // "70"
/// ```
public struct UnitDirectory: Sendable {
    /// Versions per code, ordered by `validFrom`.
    public private(set) var versions: [String: [AdministrativeUnit]] = [:]

    /// A unit as it stood on one day: its version, and the codes of its ancestors then.
    public struct Placement: Sendable, Equatable {
        public var unit: AdministrativeUnit
        public var provinceCode: String?
        public var districtCode: String?
    }

    public init(_ units: [AdministrativeUnit] = []) {
        for unit in units { versions[unit.code, default: []].append(unit) }
        for key in versions.keys { versions[key]!.sort { $0.validFrom < $1.validFrom } }
    }

    public var allUnits: [AdministrativeUnit] { versions.values.flatMap { $0 } }
    public var isEmpty: Bool { versions.isEmpty }

    public func version(of code: String, on date: CivilDate) -> AdministrativeUnit? {
        versions[code]?.first { $0.isInForce(on: date) }
    }

    /// The latest version of a code (for names in reports).
    public func latest(_ code: String) -> AdministrativeUnit? { versions[code]?.last }

    public func resolve(_ code: String, on date: CivilDate) throws(LedgerError) -> Placement {
        guard let all = versions[code] else { throw .unknownUnit(code) }
        guard let unit = all.first(where: { $0.isInForce(on: date) }) else {
            throw .unitNotInForce(code: code, date: date, periods: all.map { ($0.validFrom, $0.validTo) })
        }
        var placement = Placement(unit: unit, provinceCode: nil, districtCode: nil)
        var current: AdministrativeUnit? = unit
        var steps = 0
        while let u = current, steps < 8 {
            // The topmost province-level unit: a provincial department's province is its parent.
            if u.level == .province { placement.provinceCode = u.code }
            if u.level == .district, placement.districtCode == nil { placement.districtCode = u.code }
            current = u.parentCode.flatMap { version(of: $0, on: date) }
            steps += 1
        }
        return placement
    }

    /// `codes` and every unit that was ever below one of them (any version's parent chain), for
    /// deciding what an API client acting for `codes` may reach.
    public func descendants(of codes: [String]) -> Set<String> {
        var children: [String: Set<String>] = [:]
        for unit in allUnits { if let parent = unit.parentCode { children[parent, default: []].insert(unit.code) } }
        var found = Set(codes)
        var pending = codes
        while let code = pending.popLast() {
            for child in children[code] ?? [] where found.insert(child).inserted { pending.append(child) }
        }
        return found
    }

    /// Problems in a set of versions taken together: overlapping versions of one code, parents
    /// unknown or not in force over the child's period, a parent at a lower level than its child.
    public func problems() -> [String] {
        var found: [String] = []
        for (code, list) in versions.sorted(by: { $0.key < $1.key }) {
            for (i, a) in list.enumerated() {
                if let to = a.validTo, to < a.validFrom {
                    found.append("unit \(code): valid_to \(to) is before valid_from \(a.validFrom)")
                }
                for b in list[(i + 1)...] where a.overlaps(b) {
                    found.append("unit \(code): versions from \(a.validFrom) and \(b.validFrom) overlap")
                }
                guard let parent = a.parentCode else { continue }
                guard let parents = versions[parent] else {
                    found.append("unit \(code): parent \(parent) is not a known unit")
                    continue
                }
                if !parents.contains(where: { $0.isInForce(on: a.validFrom) }) {
                    found.append("unit \(code): parent \(parent) is not in force on \(a.validFrom)")
                } else if let p = parents.first(where: { $0.isInForce(on: a.validFrom) }), p.level > a.level {
                    found.append(
                        "unit \(code): parent \(parent) is at a lower level (\(p.level.rawValue)) than the unit "
                            + "(\(a.level.rawValue))"
                    )
                }
            }
        }
        return found
    }

    /// Adds versions (an import); identical versions already present are ignored.
    /// - Returns: the versions that were new.
    public mutating func merge(_ units: [AdministrativeUnit]) -> [AdministrativeUnit] {
        var added: [AdministrativeUnit] = []
        for unit in units where !(versions[unit.code]?.contains(unit) ?? false) {
            versions[unit.code, default: []].append(unit)
            versions[unit.code]!.sort { $0.validFrom < $1.validFrom }
            added.append(unit)
        }
        return added
    }
}
