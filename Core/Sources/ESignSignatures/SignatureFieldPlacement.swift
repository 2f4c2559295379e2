import ESignPDF

/// Where a new signature goes in the document's structure: the signature field and its widget,
/// the page's `/Annots`, the AcroForm's `/Fields` and `/SigFlags`. It adds or rewrites only the
/// objects that must change, which is what validators accept as an allowed change to earlier signatures.
struct SignatureFieldPlacement {
    /// The field to sign, chosen or created.
    let fieldName: String

    /// Fills `update` with the field (new, or an existing empty one) whose `/V` is `signature`.
    static func place(
        signature: ObjectReference, fieldName requested: String?, pageIndex: Int = 0,
        widgetRect: [Double] = [0, 0, 0, 0], appearance: ObjectReference? = nil,
        document: PDFDocument, update: inout IncrementalUpdate
    ) throws(SigningError) -> SignatureFieldPlacement {
        do {
            let fields = try document.formFields()
            if let requested, let existing = fields.first(where: { $0.name == requested }) {
                guard existing.type == "Sig" else {
                    throw SigningError.badInput("field '\(requested)' exists but is not a signature field")
                }
                guard !existing.hasValue else {
                    throw SigningError.badInput("signature field '\(requested)' is already signed")
                }
                var dict = existing.dictionary
                dict["V"] = .reference(signature)
                update.set(existing.reference, .dictionary(dict))
                return SignatureFieldPlacement(fieldName: requested)
            }
            let taken = Set(fields.map(\.name))
            var name = requested ?? "Signature1"
            if requested == nil {
                var n = 1
                while taken.contains(name) {
                    n += 1
                    name = "Signature\(n)"
                }
            }
            let page = try document.pageReference(at: pageIndex)
            let field = update.allocate()
            var widget = PDFDictionary([
                ("Type", "Annot"), ("Subtype", "Widget"), ("FT", "Sig"),
                ("T", .string(PDFString(text: name))), ("V", .reference(signature)),
                ("F", 132),  // Print + Locked
                ("Rect", .array(widgetRect.map { .real($0) })),
                ("P", .reference(page)),
            ])
            if let appearance { widget["AP"] = .dictionary(PDFDictionary([("N", .reference(appearance))])) }
            update.set(field, .dictionary(widget))
            try addAnnotation(field, toPage: page, document: document, update: &update)
            try addField(field, document: document, update: &update)
            return SignatureFieldPlacement(fieldName: name)
        } catch let error as SigningError {
            throw error
        } catch let error as PDFError {
            throw SigningError.from(error, path: "input")
        } catch {
            throw .badInput("\(error)")
        }
    }

    /// Appends to the page's `/Annots`, rewriting the array object itself when it is indirect.
    static func addAnnotation(
        _ annotation: ObjectReference, toPage page: ObjectReference,
        document: PDFDocument, update: inout IncrementalUpdate
    ) throws {
        guard var pageDict = try document.object(page).dictionary else {
            throw PDFError.malformed("page \(page) is not a dictionary")
        }
        if case .reference(let arrayRef)? = pageDict["Annots"], let annots = try document.object(arrayRef).array {
            update.set(arrayRef, .array(annots + [.reference(annotation)]))
        } else {
            let annots = pageDict["Annots"]?.array ?? []
            pageDict["Annots"] = .array(annots + [.reference(annotation)])
            update.set(page, .dictionary(pageDict))
        }
    }

    /// Adds the field to the AcroForm (creating it when absent) and sets `/SigFlags 3`.
    static func addField(_ field: ObjectReference, document: PDFDocument, update: inout IncrementalUpdate) throws {
        var catalog = try document.catalog()
        guard let existing = try document.acroForm() else {
            let form = update.allocate()
            update.set(form, .dictionary(PDFDictionary([("Fields", .array([.reference(field)])), ("SigFlags", 3)])))
            catalog["AcroForm"] = .reference(form)
            update.set(document.catalogReference, .dictionary(catalog))
            return
        }
        var form = existing.dictionary
        var formChanged = false
        if case .reference(let fieldsRef)? = form["Fields"], let fields = try document.object(fieldsRef).array {
            update.set(fieldsRef, .array(fields + [.reference(field)]))
        } else {
            form["Fields"] = .array((form["Fields"]?.array ?? []) + [.reference(field)])
            formChanged = true
        }
        if try document.resolve(form["SigFlags"]).integer != 3 {
            form["SigFlags"] = 3
            formChanged = true
        }
        guard formChanged else { return }
        if let formRef = existing.reference {
            update.set(formRef, .dictionary(form))
        } else {
            catalog["AcroForm"] = .dictionary(form)
            update.set(document.catalogReference, .dictionary(catalog))
        }
    }
}
