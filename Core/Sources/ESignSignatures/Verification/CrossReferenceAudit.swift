import ESignPDF

/// Checks that every revision after a signed one says unambiguously where each of its objects is.
///
/// A viewer follows cross-reference offsets as written; a reader that repairs (scans for the right
/// header, looks a few bytes away) may see another object at the same place. A verifier that
/// repairs what an attacker wrote sees no change where the viewer shows a forgery (the shadow
/// "hide-and-replace" attack by cross-reference redirection). So after signing nothing is
/// repaired: every entry, object stream slot and section offset must be exact, and whatever is
/// not is a change that is not allowed, named here.
struct CrossReferenceAudit {
    /// The whole document.
    let document: PDFDocument
    /// The document as it was signed.
    let old: PDFDocument
    /// Every revision of the file, oldest first.
    let revisions: [Revision]
    /// The end of the signed revision.
    let signedEnd: Int

    /// What the later revisions do to the file's structure that no signer's update does.
    func findings() -> [String] {
        var findings: [String] = []
        if let loop = document.chainLoop { findings.append(loop) }
        let ordered = revisions.sorted { $0.end < $1.end }
        var objectStarts: [Int] = []
        for section in document.sections {
            objectStarts.append(section.offset)
            for case .inFile(let offset, _) in section.entries.values { objectStarts.append(offset) }
        }
        objectStarts = Array(Set(objectStarts)).sorted()
        for (position, revision) in ordered.enumerated() where revision.end > signedEnd {
            let start = position > 0 ? ordered[position - 1].end : 0
            findings += audit(revision, startingAt: start, objectStarts: objectStarts)
        }
        findings += signedObjectsReachingPastSignedBytes()
        return findings
    }

    /// An object of the signed revision must be made of signed bytes: an entry that points past
    /// them, or a stream whose /Length runs past them, shows whatever a later update wrote there.
    private func signedObjectsReachingPastSignedBytes() -> [String] {
        var numbers: Set<Int> = []
        for section in old.sections { numbers.formUnion(section.entries.keys) }
        var findings: [String] = []
        for number in numbers.sorted() {
            guard case .inFile(let offset, _)? = old.entry(for: number) else { continue }
            if offset >= signedEnd {
                findings.append(
                    "the signed revision's entry for object \(number) points at offset \(offset), past the "
                        + "signed bytes, where a later update wrote")
            } else if let end = document.extentOfObject(at: offset), end > signedEnd {
                findings.append(
                    "object \(number) of the signed revision runs past the signed bytes into a later update "
                        + "(to offset \(end))")
            }
        }
        return findings
    }

    private func audit(_ revision: Revision, startingAt start: Int, objectStarts: [Int]) -> [String] {
        let section = document.sections[revision.sectionIndex]
        let name = "the revision ending at byte \(revision.end)"
        var findings: [String] = []
        if section.statedOffset != section.offset {
            findings.append(
                "the cross-reference section of \(name) is at offset \(section.offset), not at "
                    + "\(section.statedOffset) where startxref or /Prev says")
        }
        findings += section.ambiguities.map { "\($0) (\(name))" }
        if let skipped = skippedRevision(before: section, from: start) { findings.append(skipped) }
        for (number, entry) in section.entries.sorted(by: { $0.key < $1.key }) where number > 0 {
            if let finding = audit(entry, of: number, objectStarts: objectStarts) {
                findings.append("the cross-reference entry for object \(number) in \(name) \(finding)")
            }
        }
        findings += objectStreamRedefinitions(in: section, name: name)
        findings += unlistedObjects(in: start..<revision.end, section: section, name: name)
        return findings
    }

    /// Why one entry of a later section is not an exact, unambiguous pointer, or nil.
    private func audit(_ entry: CrossReferenceEntry, of number: Int, objectStarts: [Int]) -> String? {
        if case .free = entry {
            switch old.entry(for: number) {
            case .inFile?, .compressed?: return "frees it, but the signed revision uses it"
            default: return nil
            }
        }
        switch document.objectExactly(number, entry: entry) {
        case .mismatch(let why, let holding):
            if let holding, case .inFile(let offset, _) = entry,
                [document.entry(for: holding.number), old.entry(for: holding.number)].contains(where: {
                    if case .inFile(offset, _)? = $0 { return true } else { return false }
                })
            {
                return why + ", the same offset as object \(holding.number)'s entry"
            }
            return why
        case .object:
            guard case .inFile(let offset, _) = entry else { return nil }
            // The nearest object that starts before this one must end before it.
            var low = 0
            var high = objectStarts.count
            while low < high {
                let mid = (low + high) / 2
                if objectStarts[mid] < offset { low = mid + 1 } else { high = mid }
            }
            guard low > 0 else { return nil }
            let before = objectStarts[low - 1]
            if let end = document.extentOfObject(at: before), end > offset {
                return "points at offset \(offset), inside the object that starts at offset \(before)"
            }
            return nil
        }
    }

    /// An object stream written by a later revision may hold only the objects its section places in it.
    private func objectStreamRedefinitions(in section: CrossReferenceSection, name: String) -> [String] {
        var findings: [String] = []
        for (number, entry) in section.entries.sorted(by: { $0.key < $1.key }) {
            guard case .inFile = entry, case .object(let object) = document.objectExactly(number, entry: entry),
                case .stream(let stream) = object, stream.dictionary["Type"]?.isName("ObjStm") == true,
                let members = document.objectStreamMembers(number)
            else { continue }
            for (slot, member) in members.enumerated() {
                if section.entries[member] != .compressed(streamNumber: number, index: slot) {
                    findings.append(
                        "object stream \(number) in \(name) defines object \(member), which its "
                            + "cross-reference section places elsewhere")
                }
            }
        }
        return findings
    }

    /// Object headers in the revision's bytes that its section does not point at: a reader that
    /// rebuilds the cross-reference data by scanning would take them for the object.
    private func unlistedObjects(in range: Range<Int>, section: CrossReferenceSection, name: String) -> [String] {
        guard let headers = try? document.objectHeaders(in: range) else { return [] }
        var listed: [Int: Int] = [:]  // offset -> end, for objects the section points at
        for case (_, .inFile(let offset, _)) in section.entries where range.contains(offset) {
            listed[offset] = document.extentOfObject(at: offset) ?? offset
        }
        var findings: [String] = []
        for header in headers where header.offset != section.offset {
            if case .inFile(header.offset, _)? = section.entries[header.number] { continue }
            // Text inside the data of an object the section lists is that object's data.
            if listed.contains(where: { $0.key < header.offset && header.offset < $0.value }) { continue }
            findings.append(
                "\(name) holds object \(header.number) at offset \(header.offset), where its "
                    + "cross-reference section does not point")
        }
        return findings
    }

    /// A `startxref` in the body of an update means a revision the `/Prev` chain does not read.
    private func skippedRevision(before section: CrossReferenceSection, from start: Int) -> String? {
        guard section.offset > start,
            let body = try? document.source.read(at: start, length: section.offset - start),
            let marker = body.firstRange(of: Array("startxref".utf8))
        else { return nil }
        return "a revision ends at offset \(start + marker.lowerBound) that the /Prev chain skips"
    }
}
