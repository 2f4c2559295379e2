import ESignPDF

/// Decides what changed between two revisions of a PDF and whether each change is of a kind a
/// signature permits. Every changed object must be explained, in every place the older revision
/// uses it, by one of these rules; anything unexplained is a modification that is not allowed:
///
/// - catalog: only /AcroForm, /DSS, /Extensions, /Metadata, /MarkInfo, /Version may change;
/// - document information dictionary (trailer /Info): metadata, allowed;
/// - AcroForm: /Fields may gain new signature fields; /DR, /DA, /Q, /NeedAppearances, /SigFlags may change;
/// - a form field: value and appearance keys may change; a signature field's /V may be set once;
/// - pages: /Annots may gain signature widgets (other annotations are an ANNOTATIONS-level change);
/// - appearance dictionaries and streams of the widgets whose fields change, when used nowhere else;
/// - the DSS and what hangs under it (LTA updates); document timestamps (LTA updates).
///
/// Objects used in more places than a rule explains (the "sneaky" shared appearance or extension
/// dictionaries of the PDF-Insecurity and pyHanko test suites) are therefore not allowed to change.
struct ChangeAnalysis {
    let old: PDFDocument
    let new: PDFDocument
    private(set) var level: ModificationLevel = .none
    private(set) var findings: [String] = []
    private var oldGraph: ReferenceGraph?
    /// The newer revision's terminal fields, by their own reference and by each of their widgets:
    /// how a widget is tied to its field however the form is built (`/Parent`, `/Kids` direct or
    /// indirect, merged).
    private var newFields: [ObjectReference: FormField]?
    /// Annotations added or changed in ways the rules explained: where a visual comparison
    /// expects pixels to change.
    private(set) var touchedAnnotations: Set<ObjectReference> = []

    init(old: PDFDocument, new: PDFDocument) {
        self.old = old
        self.new = new
    }

    static let catalogExempt: Set<String> = ["AcroForm", "DSS", "Extensions", "Metadata", "MarkInfo", "Version"]
    static let acroFormExempt: Set<String> = ["Fields", "DR", "DA", "Q", "NeedAppearances", "SigFlags"]
    static let fieldValueKeys: Set<String> = ["AP", "AS", "V", "F", "DA", "Ff", "Type", "MK"]

    mutating func raise(_ to: ModificationLevel, _ finding: String? = nil) {
        if to > level { level = to }
        if let finding, to >= .annotations { findings.append(finding) }
    }

    /// Runs the analysis over the objects the newer sections define. `revisions` are the file's,
    /// `signedEnd` the end of the signed revision: every later section is audited first
    /// (``CrossReferenceAudit``), and the objects it defines are read exactly where their entries
    /// point, never repaired.
    mutating func run(changedNumbers: Set<Int>, revisions: [Revision], signedEnd: Int) throws {
        let audit = CrossReferenceAudit(document: new, old: old, revisions: revisions, signedEnd: signedEnd)
        for finding in audit.findings() { raise(.other, finding) }
        if new.trailer["Root"] != old.trailer["Root"] {
            raise(.other, "the document catalog was replaced (/Root changed)")
        }
        if new.trailer["Encrypt"] != old.trailer["Encrypt"] { raise(.other, "encryption settings changed") }
        try checkInfo()
        var changedExisting: [(ObjectReference, PDFObject, PDFObject)] = []
        let laterSections = Set(revisions.filter { $0.end > signedEnd }.map(\.sectionIndex))
        for number in changedNumbers.sorted() {
            guard let oldRef = Self.reference(number, old.entry(for: number)) else {
                continue  // a new object: judged where existing objects point to it
            }
            let oldObject = try old.object(oldRef)
            let newObject: PDFObject
            guard let newEntry = new.entry(for: number) else { continue }
            if let section = new.sectionIndex(definingObject: number), laterSections.contains(section) {
                guard case .object(let exact) = new.objectExactly(number, entry: newEntry) else {
                    raise(.other)  // the audit names the entry
                    continue
                }
                newObject = Self.reference(number, newEntry) == oldRef ? exact : .null
            } else {
                newObject = try new.object(oldRef)
            }
            if try same(oldObject, newObject) { continue }
            changedExisting.append((oldRef, oldObject, newObject))
        }
        guard !changedExisting.isEmpty else { return }
        oldGraph = try ReferenceGraph(document: old)
        for (reference, oldObject, newObject) in changedExisting {
            try judge(reference, oldObject, newObject)
        }
    }

    /// The trailer's /Info may name a new information dictionary, not an object the signed
    /// revision uses for something else.
    mutating func checkInfo() throws {
        let oldInfo = old.trailer["Info"]?.reference
        guard let newInfo = new.trailer["Info"]?.reference, newInfo != oldInfo else { return }
        switch old.entry(for: newInfo.number) {
        case .inFile?, .compressed?:
            raise(
                .other,
                "the trailer's /Info now names object \(newInfo.number), which the signed revision uses otherwise")
        default: break
        }
    }

    static func reference(_ number: Int, _ entry: CrossReferenceEntry?) -> ObjectReference? {
        switch entry {
        case .inFile(_, let generation)?: return ObjectReference(number, generation)
        case .compressed?: return ObjectReference(number, 0)
        default: return nil
        }
    }

    /// Semantic equality: same values; for streams, same dictionary (but /Length) and same bytes.
    func same(_ a: PDFObject, _ b: PDFObject) throws -> Bool {
        if case .stream(var sa) = a, case .stream(var sb) = b {
            let da = try old.rawStreamData(sa)
            let db = try new.rawStreamData(sb)
            sa.dictionary["Length"] = nil
            sb.dictionary["Length"] = nil
            return da == db && sa.dictionary == sb.dictionary
        }
        return a == b
    }

    // MARK: Judging one changed object in every place it is used

    mutating func judge(_ reference: ObjectReference, _ oldObject: PDFObject, _ newObject: PDFObject) throws {
        let usages = oldGraph?.usages[reference] ?? []
        if usages.isEmpty { return }  // unreachable before: an orphan rewrite changes nothing shown
        if newObject == .null {
            raise(.other, "object \(reference.number) was deleted")
            return
        }
        // Pages and form fields are judged by what changed in them, wherever they are used.
        if let dict = oldObject.dictionary {
            if dict["Type"]?.isName("Page") == true {
                if let level = try pageChange(reference, oldObject, newObject) { raise(level) }
                return
            }
            if Self.isFieldOrWidget(dict) {
                if let level = try fieldChange(reference, oldObject, newObject) { raise(level) }
                return
            }
        }
        // Anything else must be explained in every place it is used; back-links (/P, /Parent) are
        // not uses of an object's content.
        for usage in usages where usage.path != ["P"] && usage.path != ["Parent"] {
            guard let explained = try explain(reference, oldObject, newObject, usage: usage) else {
                raise(
                    .other,
                    "object \(reference.number) changed, and it is used at \(usage), where changes are not allowed")
                return
            }
            raise(explained)
        }
    }

    /// The level at which a change of `reference` is allowed in the place `usage`, or nil.
    mutating func explain(
        _ reference: ObjectReference, _ oldObject: PDFObject, _ newObject: PDFObject,
        usage: ReferenceGraph.Usage
    ) throws -> ModificationLevel? {
        let path = usage.path
        guard let container = usage.container else {
            switch path {
            case ["Root"]: return try catalogChange(oldObject, newObject)
            case ["Info"]: return .ltaUpdates
            default: return nil
            }
        }
        let containerObject = try old.object(container)
        let parent = containerObject.dictionary
        if container == old.catalogReference {
            switch path.first {
            case "AcroForm":
                if path.count == 1 { return try acroFormChange(oldObject, newObject) }
                // A field listed in the /Fields of an /AcroForm written into the catalog.
                if path.count == 3, path[1] == "Fields", let item = oldObject.dictionary, Self.isFieldOrWidget(item) {
                    return try fieldChange(reference, oldObject, newObject)
                }
                return nil
            case "DSS": return .ltaUpdates
            case "Extensions", "Metadata", "MarkInfo": return .formFilling
            default: return nil
            }
        }
        if isUnderDSS(container) { return .ltaUpdates }
        if isAcroForm(container), path == ["Fields"] { return try fieldsArrayChange(oldObject, newObject) }
        // A field or widget listed in /Fields, a parent's /Kids or a page's /Annots.
        if let item = oldObject.dictionary, isListing(containerObject, parent: parent, path: path) {
            if item["Type"]?.isName("Page") == true { return try pageChange(reference, oldObject, newObject) }
            return try fieldChange(reference, oldObject, newObject)
        }
        // A page's /Annots array, when it is an object of its own.
        if parent?["Type"]?.isName("Page") == true, path == ["Annots"] { return try annotsChange(oldObject, newObject) }
        // Appearance dictionaries and streams of widgets.
        if path.first == "AP",
            parent?["Subtype"]?.isName("Widget") == true || parent?["FT"] != nil || parent?["Parent"] != nil
        {
            touch(container)
            return .formFilling
        }
        if ["N", "D", "R"].contains(path.first ?? ""), isAppearanceDictionary(container) {
            for usage in oldGraph?.usages[container] ?? [] { if let widget = usage.container { touch(widget) } }
            return .formFilling
        }
        return nil
    }

    /// A form field (terminal or not) or a widget annotation.
    static func isFieldOrWidget(_ dict: PDFDictionary) -> Bool {
        dict["FT"] != nil || dict["Subtype"]?.isName("Widget") == true
            || (dict["T"] != nil && (dict["Parent"] != nil || dict["Kids"] != nil))
    }

    func isListing(_ container: PDFObject, parent: PDFDictionary?, path: [String]) -> Bool {
        // Direct: the array is inside a dictionary under /Fields, /Kids or /Annots.
        if let key = path.first, ["Fields", "Kids", "Annots"].contains(key), path.count == 2 { return true }
        // Indirect arrays: the container is itself an array used under one of those keys.
        if case .array = container, path.count == 1 {
            return true
        }
        return false
    }

    func isAcroForm(_ reference: ObjectReference) -> Bool {
        (try? old.catalog()["AcroForm"]?.reference) == reference
    }

    func isUnderDSS(_ reference: ObjectReference) -> Bool {
        guard let dss = try? old.catalog()["DSS"] else { return false }
        if dss.reference == reference { return true }
        // Arrays and VRI dictionaries hanging directly from the DSS.
        guard let dict = try? old.resolve(dss).dictionary else { return false }
        for (_, value) in dict.entries {
            if value.reference == reference { return true }
            if let vri = try? old.resolve(value).dictionary {
                for (_, entry) in vri.entries where entry.reference == reference { return true }
            }
        }
        return false
    }

    func isAppearanceDictionary(_ reference: ObjectReference) -> Bool {
        (oldGraph?.usages[reference] ?? []).allSatisfy { $0.path == ["AP"] }
            && !(oldGraph?.usages[reference] ?? []).isEmpty
    }

    // MARK: Rules per kind of object

    mutating func catalogChange(_ oldObject: PDFObject, _ newObject: PDFObject) throws -> ModificationLevel? {
        guard let a = oldObject.dictionary, let b = newObject.dictionary else { return nil }
        var result = ModificationLevel.none
        for key in Set(a.keys.map(\.string)).union(b.keys.map(\.string)) where a[key] != b[key] {
            guard Self.catalogExempt.contains(key) else {
                raise(.other, "the catalog's /\(key) changed")
                return nil
            }
            switch key {
            case "AcroForm":
                if let oldRef = a[key]?.reference, b[key]?.reference != oldRef {
                    raise(.other, "the catalog's /AcroForm was replaced")
                    return nil
                }
                if case .dictionary = a[key] ?? .null, case .dictionary = b[key] ?? .null {
                    guard let level = try acroFormChange(a[key]!, b[key]!) else { return nil }
                    result = max(result, level)
                } else if a[key] == nil {
                    result = max(result, .formFilling)
                }
            case "DSS": result = max(result, .ltaUpdates)
            default: result = max(result, .formFilling)
            }
        }
        return result
    }

    mutating func acroFormChange(_ oldObject: PDFObject, _ newObject: PDFObject) throws -> ModificationLevel? {
        guard let a = try old.resolve(oldObject).dictionary, let b = try new.resolve(newObject).dictionary else {
            return nil
        }
        var result = ModificationLevel.none
        for key in Set(a.keys.map(\.string)).union(b.keys.map(\.string)) where a[key] != b[key] {
            guard Self.acroFormExempt.contains(key) else {
                raise(.other, "the form's /\(key) changed")
                return nil
            }
            if key == "Fields", case .array = a[key] ?? .array([]) {
                if a[key]?.reference == nil, b[key]?.reference == nil {
                    guard let level = try fieldsArrayChange(a[key] ?? .array([]), b[key] ?? .array([])) else {
                        return nil
                    }
                    result = max(result, level)
                }
            }
        }
        return result
    }

    /// /Fields may only grow, and only by new signature fields.
    mutating func fieldsArrayChange(_ oldObject: PDFObject, _ newObject: PDFObject) throws -> ModificationLevel? {
        let a = try old.resolve(oldObject).array ?? []
        let b = try new.resolve(newObject).array ?? []
        guard b.count >= a.count,
            Array(b.prefix(a.count)) == a || Set(a.compactMap(\.reference)).isSubset(of: Set(b.compactMap(\.reference)))
        else {
            raise(.other, "form fields were removed or reordered")
            return nil
        }
        var result = ModificationLevel.none
        let existing = Set(a.compactMap(\.reference))
        for item in b {
            guard let ref = item.reference, !existing.contains(ref) else { continue }
            guard let level = try newSignatureField(ref) else { return nil }
            result = max(result, level)
        }
        return result
    }

    /// Records a field or widget whose look may change, with the widgets of its field.
    mutating func touch(_ reference: ObjectReference) {
        touchedAnnotations.insert(reference)
        for widget in newField(reference)?.widgets ?? [] { touchedAnnotations.insert(widget) }
    }

    /// The rectangles (PDF points) of the touched annotations, by 0-based page index.
    func allowedAreas() -> [Int: [[Double]]] {
        guard !touchedAnnotations.isEmpty, let pages = try? new.pageReferences() else { return [:] }
        var areas: [Int: [[Double]]] = [:]
        for (index, page) in pages.enumerated() {
            let annots = (try? new.resolve(new.object(page).dictionary?["Annots"]).array) ?? []
            for case .reference(let annotation) in annots where touchedAnnotations.contains(annotation) {
                let rect = ((try? new.resolve(new.object(annotation).dictionary?["Rect"]).array) ?? []).compactMap(
                    \.number)
                if rect.count == 4 { areas[index, default: []].append(rect) }
            }
        }
        return areas
    }

    /// The field `reference` is, or whose widget it is, in the newer revision.
    mutating func newField(_ reference: ObjectReference) -> FormField? {
        if newFields == nil {
            var map: [ObjectReference: FormField] = [:]
            for field in (try? new.formFields()) ?? [] {
                map[field.reference] = field
                for widget in field.widgets where map[widget] == nil { map[widget] = field }
            }
            newFields = map
        }
        return newFields?[reference]
    }

    /// A field added after signing: signatures and document timestamps only. A new branch of the
    /// form must be typed /Sig at its root (its kids inherit it), as pyHanko requires too.
    mutating func newSignatureField(_ reference: ObjectReference) throws -> ModificationLevel? {
        guard var field = try new.object(reference).dictionary else { return nil }
        var type = try new.resolve(field["FT"]).name?.string
        if type == nil, let known = newField(reference) {
            type = known.type
            field = known.dictionary
        }
        guard type == "Sig" else {
            raise(.other, "a form field that is not a signature field was added (object \(reference.number))")
            return nil
        }
        touch(reference)
        if let value = try new.resolve(field["V"]).dictionary, value["Type"]?.isName("DocTimeStamp") == true {
            return .ltaUpdates
        }
        return .formFilling
    }

    mutating func fieldChange(
        _ reference: ObjectReference, _ oldObject: PDFObject, _ newObject: PDFObject
    ) throws -> ModificationLevel? {
        guard let a = oldObject.dictionary, let b = newObject.dictionary else { return nil }
        touch(reference)
        let isSignature = try a["FT"].map { try old.resolve($0).name?.string } ?? (try inheritedFieldType(a)) == "Sig"
        var result = ModificationLevel.formFilling
        for key in Set(a.keys.map(\.string)).union(b.keys.map(\.string)) where a[key] != b[key] {
            guard Self.fieldValueKeys.contains(key) else {
                raise(.other, "field or annotation object \(reference.number): /\(key) changed")
                return nil
            }
            if key == "V", isSignature, a[key] != nil {
                raise(.other, "the value of an existing signature was replaced (object \(reference.number))")
                return nil
            }
            if key == "AP", let shared = a[key]?.reference {
                let uses = oldGraph?.usages[shared] ?? []
                if uses.contains(where: { $0.container != reference || $0.path != ["AP"] }) {
                    raise(
                        .other,
                        "the appearance dictionary of object \(reference.number) changed, but it is also used at "
                            + "\(uses.map(\.description).sorted().joined(separator: ", "))"
                    )
                    return nil
                }
            }
            if key == "V", isSignature, let v = try new.resolve(b[key]).dictionary,
                v["Type"]?.isName("DocTimeStamp") == true
            {
                result = max(result, .ltaUpdates)
            }
        }
        return result
    }

    func inheritedFieldType(_ dict: PDFDictionary) throws -> String? {
        var current = dict
        for _ in 0..<32 {
            if let ft = try old.resolve(current["FT"]).name?.string { return ft }
            guard let parent = try old.resolve(current["Parent"]).dictionary else { return nil }
            current = parent
        }
        return nil
    }

    mutating func pageChange(
        _ reference: ObjectReference, _ oldObject: PDFObject, _ newObject: PDFObject
    ) throws
        -> ModificationLevel?
    {
        guard let a = oldObject.dictionary, let b = newObject.dictionary else {
            raise(.other, "page object \(reference.number) is no longer a dictionary")
            return nil
        }
        for key in Set(a.keys.map(\.string)).union(b.keys.map(\.string)) where a[key] != b[key] && key != "Annots" {
            raise(.other, "page object \(reference.number): its /\(key) changed (what the page shows)")
            return nil
        }
        if a["Annots"] != b["Annots"] {
            // A reference may move to a new array object; pointing it at another existing object would clobber that
            // one.
            if a["Annots"]?.reference != nil, let newRef = b["Annots"]?.reference, newRef != a["Annots"]?.reference,
                old.entry(for: newRef.number).map({ if case .free = $0 { return false } else { return true } }) == true
            {
                raise(.other, "page object \(reference.number): its /Annots now points to another existing object")
                return nil
            }
            return try annotsChange(a["Annots"] ?? .array([]), b["Annots"] ?? .array([]))
        }
        return .formFilling
    }

    /// A page's annotations may only grow; new signature widgets are form filling, anything else
    /// is an annotation change.
    mutating func annotsChange(_ oldObject: PDFObject, _ newObject: PDFObject) throws -> ModificationLevel? {
        let a = try old.resolve(oldObject).array ?? []
        let b = try new.resolve(newObject).array ?? []
        let kept = Set(a.compactMap(\.reference))
        guard kept.isSubset(of: Set(b.compactMap(\.reference))),
            a.filter({ $0.reference == nil }).allSatisfy({ b.contains($0) })
        else {
            raise(.other, "annotations were removed from a page")
            return nil
        }
        var result = ModificationLevel.none
        for item in b {
            if let ref = item.reference, kept.contains(ref) { continue }
            if let ref = item.reference { touchedAnnotations.insert(ref) }
            let annotation = try new.resolve(item).dictionary ?? PDFDictionary()
            let isWidget = annotation["Subtype"]?.isName("Widget") == true
            let field = item.reference.flatMap { newField($0) }
            var type = try new.resolve(annotation["FT"]).name?.string
            if type == nil, let parent = try new.resolve(annotation["Parent"]).dictionary {
                type = try new.resolve(parent["FT"]).name?.string
            }
            if type == nil { type = field?.type }
            if isWidget && type == "Sig" {
                var value = try new.resolve(annotation["V"]).dictionary
                if value == nil, let field { value = try new.resolve(field.dictionary["V"]).dictionary }
                if value?["Type"]?.isName("DocTimeStamp") == true {
                    result = max(result, .ltaUpdates)
                    continue
                }
                if value == nil, try Self.isVisible(annotation, in: new) {
                    // An unsigned signature field that shows an appearance: the Sneaky Signature pattern.
                    raise(.annotations, "an unsigned signature field with a visible appearance was added")
                    result = max(result, .annotations)
                }
                result = max(result, .formFilling)
                continue
            }
            let subtype = annotation["Subtype"]?.name?.string ?? "unknown"
            raise(.annotations, "a /\(subtype) annotation was added to a page")
            result = max(result, .annotations)
        }
        return result
    }

    static func isVisible(_ annotation: PDFDictionary, in document: PDFDocument) throws -> Bool {
        let rect = (try document.resolve(annotation["Rect"]).array ?? []).compactMap(\.number)
        guard rect.count == 4, abs(rect[2] - rect[0]) > 0.5, abs(rect[3] - rect[1]) > 0.5 else { return false }
        let flags = try document.resolve(annotation["F"]).integer ?? 0
        return flags & 0x2 == 0 && flags & 0x20 == 0  // not Hidden, not NoView
    }
}
