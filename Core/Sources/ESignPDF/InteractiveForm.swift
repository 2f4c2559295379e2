/// A terminal field of the document's interactive form (AcroForm), as signing needs to see it.
public struct FormField: Sendable {
    public let reference: ObjectReference
    /// Fully qualified name: partial names of the field and its ancestors joined by '.'.
    public let name: String
    /// `/FT` (inherited), e.g. "Sig".
    public let type: String?
    /// Whether the field has a value (`/V`); a signature field with a value is already signed.
    public let hasValue: Bool
    public let dictionary: PDFDictionary
    /// The widget annotations that show the field: its kids without `/T` (listed directly or
    /// through an indirect `/Kids` array, with or without a `/Parent` back-link), or the field
    /// itself when field and widget are merged.
    public let widgets: [ObjectReference]
}

extension PDFDocument {
    /// The `/AcroForm` dictionary and, when it is an indirect object, its reference.
    public func acroForm() throws(PDFError) -> (dictionary: PDFDictionary, reference: ObjectReference?)? {
        guard let value = try catalog()["AcroForm"] else { return nil }
        guard let dict = try resolve(value).dictionary else { return nil }
        return (dict, value.reference)
    }

    /// Terminal fields of the form tree, depth first; loops in the tree are cut, not followed.
    public func formFields() throws(PDFError) -> [FormField] {
        guard let form = try acroForm(), let roots = try resolve(form.dictionary["Fields"]).array else { return [] }
        var result: [FormField] = []
        var visited: Set<ObjectReference> = []
        func walk(_ reference: ObjectReference, prefix: String, inheritedType: String?, depth: Int) throws(PDFError) {
            guard depth < 64, visited.insert(reference).inserted, let dict = try object(reference).dictionary else {
                return
            }
            let partial = try resolve(dict["T"]).string?.text
            let name = [prefix, partial ?? ""].filter { !$0.isEmpty }.joined(separator: ".")
            let type = try resolve(dict["FT"]).name?.string ?? inheritedType
            // Kids that carry /T are fields; kids without /T are widgets of this field.
            let kids = try resolve(dict["Kids"]).array?.compactMap(\.reference) ?? []
            var fieldKids: [ObjectReference] = []
            var widgetKids: [ObjectReference] = []
            for kid in kids {
                guard let kidDict = try object(kid).dictionary else { continue }
                if kidDict["T"] != nil { fieldKids.append(kid) } else { widgetKids.append(kid) }
            }
            if fieldKids.isEmpty {
                let widgets = kids.isEmpty ? [reference] : widgetKids
                result.append(
                    FormField(
                        reference: reference, name: name, type: type, hasValue: dict["V"] != nil, dictionary: dict,
                        widgets: widgets))
            } else {
                for kid in fieldKids { try walk(kid, prefix: name, inheritedType: type, depth: depth + 1) }
            }
        }
        for root in roots { if let r = root.reference { try walk(r, prefix: "", inheritedType: nil, depth: 0) } }
        return result
    }
}
