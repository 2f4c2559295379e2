import ESign
import Foundation

/// Manipulated and allowed variants of a signed PDF, written by generators, one per class of
/// change: the PDF-Insecurity attacks (universal signature forgery, incremental saving, signature
/// wrapping, shadow hide / replace / hide-and-replace, certification attacks) and the cross-
/// reference tricks a repairing reader is fooled by; and the changes a signature allows (another
/// signature, a new signature field in every shape a form can take, DSS, identical rewrites).
///
/// A class is added by adding a generator here; every document a test signs gets every variant.
public enum AttackGenerator {
    public struct Variant: Sendable {
        /// `class/variant`.
        public let name: String
        public let bytes: [UInt8]
        /// What the verdict must say: nil for an allowed change (the first signature passes);
        /// otherwise the first signature is TOTAL-FAILED and its reasons contain every string.
        public let mentions: [String]?
        /// Why pyHanko's verdict is known to differ on an allowed change, when it does.
        public var pyhankoDiffers: String? = nil

        public var isAllowed: Bool { mentions == nil }
    }

    /// What a generator may use: the signed document, the original it was signed from, and a way
    /// to sign another original (for attacks prepared before signing, as shadow attacks are).
    public struct Context {
        public let original: [UInt8]
        public let signed: [UInt8]
        public let sign: ([UInt8]) throws -> [UInt8]
        /// Certifies an original with DocMDP permission P (1–3), when a peer that can is at hand.
        public var certify: (([UInt8], Int) throws -> [UInt8])?
        /// Adds a document timestamp, when a TSA is at hand.
        public var timestamp: (([UInt8]) throws -> [UInt8])?

        public init(original: [UInt8], sign: @escaping ([UInt8]) throws -> [UInt8]) throws {
            self.original = original
            self.signed = try sign(original)
            self.sign = sign
        }
    }

    public typealias Generator = @Sendable (Context) throws -> [Variant]

    /// Content a forger wants shown.
    /// A red band with text: visible whatever fonts the page's resources hold.
    static let forgedText =
        "q 0.8 0 0 rg 72 630 420 44 re f Q BT /Helvetica 28 Tf 80 640 Td (DA THANH TOAN - PAID IN FULL) Tj ET"
    static var forgedContent: PDFObject {
        .stream(PDFStream(dictionary: PDFDictionary(), data: .bytes(Array(forgedText.utf8))))
    }

    /// Every manipulated variant of `context`'s document.
    public static func manipulations(_ context: Context) throws -> [Variant] {
        try manipulationGenerators.flatMap { try $0.1(context) }
    }

    /// Every allowed variant of `context`'s document.
    public static func allowedChanges(_ context: Context) throws -> [Variant] {
        try allowedGenerators.flatMap { try $0.1(context) }
    }

    public static let manipulationGenerators: [(String, Generator)] = [
        ("universal-signature-forgery", universalSignatureForgery),
        ("incremental-saving", incrementalSaving),
        ("signature-wrapping", signatureWrapping),
        ("shadow-hide-and-replace-xref", crossReferenceRedirection),
        ("shadow-hide-and-replace-stream-data", redirectionIntoStreamData),
        ("shadow-replace-referenced-object", replaceReferencedObject),
        ("xref-entry-tricks", entryTricks),
        ("object-stream-tricks", objectStreamTricks),
        ("prev-chain-tricks", prevChainTricks),
        ("trailer-tricks", trailerTricks),
        ("signed-entry-past-signed-bytes", signedEntryPastSignedBytes),
        ("certification-attacks", certificationAttacks),
    ]

    public static let allowedGenerators: [(String, Generator)] = [
        ("second-signature", secondSignature),
        ("signature-field-shapes", signatureFieldShapes),
        ("dss", documentSecurityStore),
        ("identical-rewrite", identicalRewrite),
        ("form-filling", formFilling),
        ("document-timestamp", documentTimestamp),
        ("annotations-at-certification-level-3", annotationsAtLevel3),
    ]

    static func variant(_ name: String, _ bytes: [UInt8], _ mentions: [String]?) -> Variant {
        Variant(name: name, bytes: bytes, mentions: mentions)
    }

    static func document(_ bytes: [UInt8]) throws -> PDFDocument { try PDFDocument(source: MemoryByteSource(bytes)) }

    static func signatureReference(_ document: PDFDocument) throws -> ObjectReference {
        guard
            let ref = try document.formFields().first(where: { $0.type == "Sig" && $0.hasValue })?
                .dictionary["V"]?.reference
        else { throw PDFError.malformed("no signature") }
        return ref
    }

    // MARK: Universal signature forgery, signature wrapping, incremental saving

    static func universalSignatureForgery(_ context: Context) throws -> [Variant] {
        let edits: [(String, (inout PDFDictionary) -> Void, String)] = [
            ("no-contents", { $0["Contents"] = nil }, "/Contents"),
            ("empty-contents", { $0["Contents"] = .string(PDFString(bytes: [], isHex: true)) }, "/Contents"),
            ("zero-contents", { $0["Contents"] = .string(PDFString(bytes: [0, 0, 0], isHex: true)) }, "/Contents"),
            ("no-byterange", { $0["ByteRange"] = nil }, "/ByteRange"),
            ("null-byterange", { $0["ByteRange"] = .array([.null, .null, .null, .null]) }, "/ByteRange"),
            ("byterange-elsewhere", { $0["ByteRange"] = .array([0, 100, 200, 300]) }, "/ByteRange"),
        ]
        return try edits.map { name, edit, mention in
            var update = try RawUpdate(context.signed)
            let ref = try signatureReference(update.document)
            var dict = try update.document.object(ref).dictionary!
            edit(&dict)
            update.add(ref.number, .dictionary(dict))
            return variant("universal-signature-forgery/\(name)", update.bytes(), [mention])
        }
    }

    static func signatureWrapping(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        let signed = context.signed
        let start = signed.lastRange(of: Array("/ByteRange [".utf8))!.upperBound
        let end = signed[start...].firstIndex(of: 0x5D)!
        let numbers = String(decoding: signed[start..<end], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
        for (name, shift) in [("moved-40", 40), ("moved-back-2", -2)] {
            var forged = signed
            let moved = "0 \(numbers[1] + shift) \(numbers[2] + shift) \(numbers[3] - shift)"
            guard moved.count <= end - start else { continue }
            forged.replaceSubrange(
                start..<end, with: Array((moved.padding(toLength: end - start, withPad: " ", startingAt: 0)).utf8))
            variants.append(variant("signature-wrapping/\(name)", forged, ["/ByteRange"]))
        }
        // An object hidden in the gap /ByteRange leaves out.
        var hidden = signed
        let text = Array("> endobj 99 0 obj << /Evil true >> endobj %".utf8)
        hidden.replaceSubrange((numbers[2] - 1 - text.count)..<(numbers[2] - 1), with: text)
        variants.append(variant("signature-wrapping/object-in-gap", hidden, ["signature dictionary"]))
        return variants
    }

    static func incrementalSaving(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        // The page's content stream rewritten.
        var update = try RawUpdate(context.signed)
        let content = try update.document.firstContentStream().number
        update.add(content, forgedContent)
        variants.append(variant("incremental-saving/content-rewritten", update.bytes(), ["object \(content)"]))
        // A content stream added to the page.
        update = try RawUpdate(context.signed)
        let page = try update.document.pageReference(at: 0)
        var pageDict = try update.document.object(page).dictionary!
        let overlay = update.allocate()
        update.add(overlay, forgedContent)
        let contents = try update.document.resolve(pageDict["Contents"])
        pageDict["Contents"] = .array(
            (contents.array ?? [pageDict["Contents"]!]) + [.reference(ObjectReference(overlay))])
        update.add(page.number, .dictionary(pageDict))
        variants.append(variant("incremental-saving/content-added", update.bytes(), ["page object \(page.number)"]))
        // An object appended with no cross-reference section at all.
        let appended = context.signed + Array("99 0 obj\n<< /Type /Annot /Subtype /FreeText >>\nendobj\n".utf8)
        variants.append(variant("incremental-saving/no-xref", appended, ["without a cross-reference section"]))
        // A FreeText annotation over an approval signature (annotations are not form filling).
        variants.append(
            variant("incremental-saving/freetext-annotation", try addNote(to: context.signed), ["FreeText"]))
        return variants
    }

    // MARK: Shadow attacks

    /// Hide-and-replace by cross-reference redirection: the page's content object is pointed at
    /// bytes whose header names another object, so a viewer shows them while a reader that scans
    /// for the right header sees the signed original.
    static func crossReferenceRedirection(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        let base = try document(context.signed)
        let content = try base.firstContentStream().number
        // Another object's number on the forged bytes, not listed.
        var update = try RawUpdate(context.signed)
        var other = update.allocate()
        var at = update.write(other, forgedContent)
        update.list(content, at: at)
        variants.append(
            variant(
                "shadow/redirect-to-unlisted-header", update.bytes(), ["object \(content)", "holds object \(other)"]))
        // The same, with the other object listed at the same offset.
        update = try RawUpdate(context.signed)
        other = update.allocate()
        at = update.add(other, forgedContent)
        update.list(content, at: at)
        variants.append(variant("shadow/redirect-same-offset", update.bytes(), ["object \(content)", "same offset"]))
        // Pointed at an existing signed object.
        update = try RawUpdate(context.signed)
        let catalog = base.catalogReference.number
        if let catalogOffset = base.offset(of: catalog) {
            update.list(content, at: catalogOffset)
            variants.append(variant("shadow/redirect-to-signed-object", update.bytes(), ["object \(content)"]))
        }
        // Pointed at bytes where no object begins; the forged object comes later, unlisted, for a
        // reader that rebuilds the table by scanning.
        update = try RawUpdate(context.signed)
        at = update.writeRaw("xx ")
        update.write(content, forgedContent)
        update.list(content, at: at)
        variants.append(
            variant("shadow/redirect-to-garbage", update.bytes(), ["object \(content)", "no object begins"]))
        return variants
    }

    /// Hide-and-replace prepared before signing: the original carries, inside the data of a
    /// harmless stream, the text of a forged object; after signing an update points at it.
    static func redirectionIntoStreamData(_ context: Context) throws -> [Variant] {
        let base = try document(context.original)
        let content = try base.firstContentStream().number
        var prepared = try IncrementalUpdate(document: base)
        let carrier = prepared.allocate()
        let forged =
            "\(content) 0 obj\n<< /Length \(forgedText.utf8.count) >>\nstream\n\(forgedText)\nendstream\nendobj\n"
        prepared.set(
            carrier, .stream(PDFStream(dictionary: PDFDictionary(), data: .bytes(Array(("\n" + forged).utf8)))))
        let original = context.original + prepared.serialize().bytes
        let signed = try context.sign(original)
        var update = try RawUpdate(signed)
        guard let header = signed.firstRange(of: Array(forged.utf8))?.lowerBound else { return [] }
        update.list(content, at: header)
        return [
            variant("shadow/redirect-into-stream-data", update.bytes(), ["object \(content)", "inside the object"])
        ]
    }

    /// Shadow replace: an object the page uses (its content's /Length, a resource) changed.
    static func replaceReferencedObject(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        let base = try document(context.signed)
        let content = try base.firstContentStream()
        if case .stream(let stream) = try base.object(content), let length = stream.dictionary["Length"]?.reference {
            var update = try RawUpdate(context.signed)
            update.add(length.number, .integer(max(0, (try base.object(length).integer ?? 1) / 2)))
            variants.append(variant("shadow/indirect-length-changed", update.bytes(), ["object \(length.number)"]))
        }
        let page = try base.object(base.pageReference(at: 0)).dictionary!
        if let resources = page["Resources"]?.reference {
            var update = try RawUpdate(context.signed)
            var dict = try base.object(resources).dictionary!
            dict["ProcSet"] = .array(["PDF", "Text", "ImageB"])
            update.add(resources.number, .dictionary(dict))
            variants.append(variant("shadow/resources-changed", update.bytes(), ["object \(resources.number)"]))
        }
        return variants
    }

    // MARK: Cross-reference entries, object streams, /Prev, trailers

    static func entryTricks(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        let base = try document(context.signed)
        let content = try base.firstContentStream().number
        let originalOffset = base.offset(of: content)!
        // Freed.
        var update = try RawUpdate(context.signed)
        update.listFree(content)
        variants.append(variant("xref/free-used-object", update.bytes(), ["object \(content)", "frees"]))
        // A new generation: every "N 0 R" now names nothing.
        update = try RawUpdate(context.signed)
        update.add(content, forgedContent, generation: 1)
        variants.append(variant("xref/generation-bump", update.bytes(), ["object \(content)"]))
        // Written but not listed (a reader that rebuilds the table would take it).
        update = try RawUpdate(context.signed)
        update.write(content, forgedContent)
        variants.append(variant("xref/unlisted-object", update.bytes(), ["object \(content)", "does not point"]))
        // Listed twice: the original place first, the forgery second (and the other way round).
        for (name, firstOriginal) in [("duplicate-original-first", true), ("duplicate-forgery-first", false)] {
            update = try RawUpdate(context.signed)
            let at = update.write(content, forgedContent)
            if firstOriginal {
                update.list(content, at: originalOffset)
                update.list(content, at: at)
            } else {
                update.list(content, at: at)
                update.list(content, at: originalOffset)
            }
            variants.append(variant("xref/\(name)", update.bytes(), ["object \(content)"]))
        }
        // A few bytes off: a reader that looks nearby finds the forgery.
        update = try RawUpdate(context.signed)
        let at = update.writeRaw("%x\n")
        update.write(content, forgedContent)
        update.list(content, at: at + 1)
        variants.append(variant("xref/offset-off-by-one", update.bytes(), ["object \(content)"]))
        return variants
    }

    static func objectStreamTricks(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        let base = try document(context.signed)
        let page = try base.pageReference(at: 0)
        var pageDict = try base.object(page).dictionary!
        // An object stream that redefines the page, listed only as a stream.
        var update = try RawUpdate(context.signed)
        let overlay = update.allocate()
        update.add(overlay, forgedContent)
        pageDict["Contents"] = .reference(ObjectReference(overlay))
        let objectStream = update.allocate()
        update.add(objectStream, objectStreamHolding([(page.number, .dictionary(pageDict))]))
        variants.append(variant("object-stream/redefines-page", update.bytes(), ["object \(page.number)"]))
        // The page moved into an object stream by a cross-reference stream section.
        var stream = try XRefStreamUpdate(context.signed)
        let overlay2 = stream.allocate()
        stream.add(overlay2, forgedContent)
        pageDict["Contents"] = .reference(ObjectReference(overlay2))
        let objectStream2 = stream.allocate()
        stream.add(objectStream2, objectStreamHolding([(page.number, .dictionary(pageDict))]))
        stream.listCompressed(page.number, in: objectStream2, index: 0)
        variants.append(variant("object-stream/page-moved-in", stream.bytes(), ["page object \(page.number)"]))
        // A hybrid section whose table and stream disagree about the page.
        update = try RawUpdate(context.signed)
        let overlay3 = update.allocate()
        update.add(overlay3, forgedContent)
        pageDict["Contents"] = .reference(ObjectReference(overlay3))
        let objectStream3 = update.allocate()
        update.add(objectStream3, objectStreamHolding([(page.number, .dictionary(pageDict))]))
        update.list(page.number, at: base.offset(of: page.number) ?? 0)
        let xrefStream = update.allocate()
        let rows: [UInt8] = [2] + bigEndian(objectStream3, 4) + [0, 0]
        let at = update.add(
            xrefStream,
            .stream(
                PDFStream(
                    dictionary: PDFDictionary([
                        ("Type", "XRef"), ("W", [1, 4, 2]), ("Index", [.integer(page.number), 1]),
                        ("Size", .integer(xrefStream + 1)), ("Length", .integer(rows.count)),
                    ]), data: .bytes(rows))))
        update.trailer["XRefStm"] = .integer(at)
        variants.append(variant("object-stream/hybrid-disagrees", update.bytes(), ["object \(page.number)"]))
        return variants
    }

    static func prevChainTricks(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        let content = try document(context.signed).firstContentStream().number
        // A revision the chain skips: the forgery is in it, the newest section's /Prev jumps over it.
        var first = try RawUpdate(context.signed)
        first.add(content, forgedContent)
        var second = try RawUpdate(first.bytes())
        second.prev = first.document.newestSectionOffset
        second.add(second.allocate(), .dictionary(PDFDictionary([("Producer", .string(PDFString(text: "x")))])))
        variants.append(variant("prev/skips-a-revision", second.bytes(), ["skips"]))
        // Two updates whose /Prev name each other.
        var loopFirst = try RawUpdate(context.signed)
        loopFirst.add(content, forgedContent)
        var guess = 0
        for _ in 0..<3 {
            loopFirst.prev = guess
            guess = loopFirst.bytes().count
        }
        loopFirst.prev = guess
        let firstBytes = loopFirst.bytes()
        var loopSecond = try RawUpdate(firstBytes)
        loopSecond.prev = loopFirst.offset  // where its table will start
        let looped = loopSecond.bytes()
        if looped.count > guess, looped[guess...].starts(with: Array("xref".utf8)) {
            variants.append(variant("prev/loop", looped, ["loop"]))
        }
        return variants
    }

    static func trailerTricks(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        let base = try document(context.signed)
        // A new catalog.
        var update = try RawUpdate(context.signed)
        var catalog = try base.catalog()
        catalog["PageMode"] = "FullScreen"
        let newCatalog = update.allocate()
        update.add(newCatalog, .dictionary(catalog))
        update.trailer["Root"] = .reference(ObjectReference(newCatalog))
        variants.append(variant("trailer/root-replaced", update.bytes(), ["/Root"]))
        // /Info pointed at the page.
        update = try RawUpdate(context.signed)
        let page = try base.pageReference(at: 0)
        update.trailer["Info"] = .reference(page)
        update.add(update.allocate(), .null)
        variants.append(variant("trailer/info-points-at-page", update.bytes(), ["/Info", "object \(page.number)"]))
        // Encryption added after signing.
        update = try RawUpdate(context.signed)
        let encrypt = update.allocate()
        update.add(encrypt, .dictionary(PDFDictionary([("Filter", "Standard"), ("V", 1), ("R", 2)])))
        update.trailer["Encrypt"] = .reference(ObjectReference(encrypt))
        variants.append(variant("trailer/encrypt-added", update.bytes(), ["encrypt"]))
        return variants
    }

    /// The original's page uses an object whose entry points past the end of the file; the forger
    /// writes the object there after signing, without touching any entry.
    static func signedEntryPastSignedBytes(_ context: Context) throws -> [Variant] {
        let base = try document(context.original)
        let page = try base.pageReference(at: 0)
        var pageDict = try base.object(page).dictionary!
        var prepared = try RawUpdate(context.original)
        let missing = prepared.allocate()
        let farAway = context.original.count + 400_000
        prepared.list(missing, at: farAway)
        let contents = try base.resolve(pageDict["Contents"])
        pageDict["Contents"] = .array(
            (contents.array ?? [pageDict["Contents"]!]) + [.reference(ObjectReference(missing))])
        prepared.add(page.number, .dictionary(pageDict))
        let signed = try context.sign(prepared.bytes())
        guard signed.count < farAway else { return [] }
        var update = try RawUpdate(signed)
        update.writeRaw("%" + String(repeating: " ", count: farAway - update.offset - 2) + "\n")
        update.write(missing, forgedContent)
        update.add(update.allocate(), .null)
        return [variant("xref/signed-entry-past-signed-bytes", update.bytes(), ["object \(missing)"])]
    }

    // MARK: Allowed changes

    static func secondSignature(_ context: Context) throws -> [Variant] {
        [variant("allowed/second-signature", try context.sign(context.signed), nil)]
    }

    /// A new, empty signature field added in each shape a form can take.
    static func signatureFieldShapes(_ context: Context) throws -> [Variant] {
        var variants: [Variant] = []
        for shape in SignatureFieldShape.allCases {
            guard let bytes = try shape.add(to: context.signed) else { continue }
            variants.append(variant("allowed/field-\(shape.rawValue)", bytes, nil))
        }
        return variants
    }

    static func documentSecurityStore(_ context: Context) throws -> [Variant] {
        var update = try RawUpdate(context.signed)
        let base = update.document
        let certificate = update.allocate()
        update.add(
            certificate, .stream(PDFStream(dictionary: PDFDictionary(), data: .bytes([0x30, 0x03, 0x02, 0x01, 0x01]))))
        let dss = update.allocate()
        update.add(dss, .dictionary(PDFDictionary([("Certs", .array([.reference(ObjectReference(certificate))]))])))
        var catalog = try base.catalog()
        catalog["DSS"] = .reference(ObjectReference(dss))
        update.add(base.catalogReference.number, .dictionary(catalog))
        return [variant("allowed/dss", update.bytes(), nil)]
    }

    /// The page and the catalog written again unchanged, as some writers do (pyHanko ignores
    /// identical objects too).
    static func identicalRewrite(_ context: Context) throws -> [Variant] {
        var update = try RawUpdate(context.signed)
        let base = update.document
        let page = try base.pageReference(at: 0)
        update.add(page.number, try base.object(page), generation: page.generation)
        update.add(base.catalogReference.number, try base.object(base.catalogReference))
        return [variant("allowed/identical-rewrite", update.bytes(), nil)]
    }

    static func documentTimestamp(_ context: Context) throws -> [Variant] {
        guard let timestamp = context.timestamp else { return [] }
        return [variant("allowed/document-timestamp", try timestamp(context.signed), nil)]
    }

    /// A text field the original carries, filled in after signing (value and appearance).
    static func formFilling(_ context: Context) throws -> [Variant] {
        let (original, field) = try withField(context.original, ("FT", "Tx"), named: "Amount")
        let signed = try context.sign(original)
        var update = try RawUpdate(signed)
        var dict = try update.document.object(ObjectReference(field)).dictionary!
        dict["V"] = .string(PDFString(text: "1 000 000 VND"))
        let appearance = update.allocate()
        update.add(
            appearance,
            .stream(
                PDFStream(
                    dictionary: PDFDictionary([("Type", "XObject"), ("Subtype", "Form"), ("BBox", [0, 0, 200, 20])]),
                    data: .bytes(Array("/Tx BMC BT /Helv 10 Tf 2 6 Td (1 000 000 VND) Tj ET EMC".utf8)))))
        dict["AP"] = .dictionary(PDFDictionary([("N", .reference(ObjectReference(appearance)))]))
        update.add(field, .dictionary(dict))
        return [variant("allowed/form-filling", update.bytes(), nil)]
    }

    /// `original` with a new top-level field (`keys` beside /T) on page 1, and the field's number.
    static func withField(
        _ original: [UInt8], _ type: (key: PDFName, value: PDFObject)?, named name: String,
        kids: Bool = false
    ) throws -> ([UInt8], Int) {
        var update = try RawUpdate(original)
        let document = update.document
        let page = try document.pageReference(at: 0)
        let field = update.allocate()
        var keys: [(key: PDFName, value: PDFObject)] = [("T", .string(PDFString(text: name)))]
        if let type { keys.append(type) }
        if kids {
            keys.append(("Kids", .array([])))
        } else {
            keys += [
                ("Type", "Annot"), ("Subtype", "Widget"), ("Rect", [72, 100, 272, 120]), ("F", 4),
                ("P", .reference(page)),
                ("DA", .string(PDFString(text: "/Helv 10 Tf 0 g"))),
            ]
            try update.appendAnnotation(field, toPage: page)
        }
        update.add(field, .dictionary(PDFDictionary(keys)))
        try update.appendField(field)
        return (update.bytes(), field)
    }

    // MARK: Certification

    /// A FreeText note on page 1 of `signed`.
    static func addNote(to signed: [UInt8]) throws -> [UInt8] {
        var update = try RawUpdate(signed)
        let page = try update.document.pageReference(at: 0)
        let note = update.allocate()
        update.add(
            note,
            .dictionary(
                PDFDictionary([
                    ("Type", "Annot"), ("Subtype", "FreeText"), ("Rect", [300, 300, 500, 340]), ("P", .reference(page)),
                    ("Contents", .string(PDFString(text: "Đã thanh toán"))),
                    ("DA", .string(PDFString(text: "/Helv 12 Tf"))),
                ])))
        try update.appendAnnotation(note, toPage: page)
        return update.bytes()
    }

    static func annotationsAtLevel3(_ context: Context) throws -> [Variant] {
        guard let certify = context.certify else { return [] }
        var allowed = variant(
            "allowed/annotation-at-certification-level-3", try addNote(to: certify(context.original, 3)), nil)
        allowed.pyhankoDiffers =
            "pyHanko's difference policy does not support DocMDP level 3 (it logs so) and calls any annotation OTHER"
        return [allowed]
    }

    /// Evil annotation and sneaky signature on a certified document (DocMDP P=2), and a further
    /// signature on one certified with P=1.
    static func certificationAttacks(_ context: Context) throws -> [Variant] {
        guard let certify = context.certify else { return [] }
        let certified = try certify(context.original, 2)
        var variants = [variant("certification/evil-annotation", try addNote(to: certified), ["FreeText"])]
        // A visible, unsigned signature field: its appearance shows whatever the forger drew.
        var update = try RawUpdate(certified)
        let document = update.document
        let page = try document.pageReference(at: 0)
        let appearance = update.allocate()
        update.add(
            appearance,
            .stream(
                PDFStream(
                    dictionary: PDFDictionary([("Type", "XObject"), ("Subtype", "Form"), ("BBox", [0, 0, 200, 40])]),
                    data: .bytes(Array("1 1 1 rg 0 0 200 40 re f".utf8)))))
        let field = update.allocate()
        update.add(
            field,
            .dictionary(
                PDFDictionary([
                    ("Type", "Annot"), ("Subtype", "Widget"), ("FT", "Sig"), ("T", .string(PDFString(text: "Sneaky"))),
                    ("Rect", [72, 600, 272, 640]), ("F", 4), ("P", .reference(page)),
                    ("AP", .dictionary(PDFDictionary([("N", .reference(ObjectReference(appearance)))]))),
                ])))
        try update.appendAnnotation(field, toPage: page)
        try update.appendField(field)
        variants.append(variant("certification/sneaky-signature", update.bytes(), ["unsigned signature field"]))
        // Signers refuse to sign a document certified with P=1; a forger adds the field by hand.
        if let locked = try SignatureFieldShape.merged.add(to: certify(context.original, 1)) {
            variants.append(variant("certification/field-after-no-changes-allowed", locked, ["form"]))
        }
        return variants
    }

    // MARK: Helpers

    static func bigEndian(_ value: Int, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - $0))) }
    }

    static func objectStreamHolding(_ objects: [(Int, PDFObject)]) -> PDFObject {
        var header = ""
        var data: [UInt8] = []
        for (number, object) in objects {
            header += "\(number) \(data.count) "
            data += PDFSerializer.bytes(object) + [0x0A]
        }
        let first = Array(header.utf8)
        return .stream(
            PDFStream(
                dictionary: PDFDictionary([
                    ("Type", "ObjStm"), ("N", .integer(objects.count)), ("First", .integer(first.count)),
                    ("Length", .integer(first.count + data.count)),
                ]), data: .bytes(first + data)))
    }
}

/// The shapes a signature field and its widget can take (ISO 32000-2 §12.7.4, §12.5.6.19).
public enum SignatureFieldShape: String, CaseIterable, Sendable {
    /// Field and widget in one dictionary.
    case merged
    /// A field with a direct /Kids array; the widget points back with /Parent.
    case kidsDirect = "kids-direct"
    /// A field whose /Kids is an indirect array; the widget has no /Parent.
    case kidsIndirectNoParent = "kids-indirect-no-parent"
    /// The same, with /Parent.
    case kidsIndirectWithParent = "kids-indirect-with-parent"
    /// A merged field on a page whose /Annots becomes an indirect array.
    case annotsIndirect = "annots-indirect"
    /// A field listed in /Fields through an indirect /Fields array.
    case fieldsIndirect = "fields-indirect"
    /// A new parent field with /FT /Sig; the kid field and widget inherit the type.
    case inheritedType = "inherited-type"

    /// The signed document with an empty, invisible signature field of this shape added.
    public func add(to signed: [UInt8]) throws -> [UInt8]? {
        var update = try RawUpdate(signed)
        let document = update.document
        let page = try document.pageReference(at: 0)
        guard try document.acroForm() != nil else { return nil }
        let field = update.allocate()
        let name = PDFObject.string(PDFString(text: "Shape-\(rawValue)"))
        let widgetKeys: [(key: PDFName, value: PDFObject)] = [
            ("Type", "Annot"), ("Subtype", "Widget"), ("Rect", [0, 0, 0, 0]), ("F", 132), ("P", .reference(page)),
        ]
        var annotation = field
        switch self {
        case .merged, .annotsIndirect, .fieldsIndirect:
            update.add(field, .dictionary(PDFDictionary([("FT", "Sig"), ("T", name)] + widgetKeys)))
        case .inheritedType:
            let kid = update.allocate()
            annotation = kid
            let keys: [(key: PDFName, value: PDFObject)] = [
                ("T", .string(PDFString(text: "Director"))), ("Parent", .reference(ObjectReference(field))),
            ]
            update.add(kid, .dictionary(PDFDictionary(keys + widgetKeys)))
            var parentKeys: [(key: PDFName, value: PDFObject)] = [
                ("T", name), ("Kids", [.reference(ObjectReference(kid))]),
            ]
            parentKeys.append(("FT", "Sig"))
            update.add(field, .dictionary(PDFDictionary(parentKeys)))
        case .kidsDirect, .kidsIndirectNoParent, .kidsIndirectWithParent:
            let widget = update.allocate()
            annotation = widget
            var keys = widgetKeys
            if self != .kidsIndirectNoParent { keys.append(("Parent", .reference(ObjectReference(field)))) }
            update.add(widget, .dictionary(PDFDictionary(keys)))
            var kids: PDFObject = .array([.reference(ObjectReference(widget))])
            if self != .kidsDirect {
                let array = update.allocate()
                update.add(array, kids)
                kids = .reference(ObjectReference(array))
            }
            update.add(field, .dictionary(PDFDictionary([("FT", "Sig"), ("T", name), ("Kids", kids)])))
        }
        try update.appendAnnotation(annotation, toPage: page, indirectArray: self == .annotsIndirect)
        try update.appendField(field, indirectArray: self == .fieldsIndirect)
        return update.bytes()
    }
}

/// An update whose section is a cross-reference stream, so that it can place objects in object
/// streams (type 2 entries).
public struct XRefStreamUpdate {
    var inner: RawUpdate
    private var rows: [(number: Int, row: [UInt8])] = []

    public init(_ base: [UInt8]) throws { inner = try RawUpdate(base) }

    public mutating func allocate() -> Int { inner.allocate() }

    public mutating func add(_ number: Int, _ object: PDFObject) {
        let at = inner.write(number, object)
        rows.append((number, [1] + AttackGenerator.bigEndian(at, 4) + [0, 0]))
    }

    public mutating func listCompressed(_ number: Int, in stream: Int, index: Int) {
        rows.append((number, [2] + AttackGenerator.bigEndian(stream, 4) + AttackGenerator.bigEndian(index, 2)))
    }

    public func bytes() -> [UInt8] {
        var update = inner
        let xref = update.allocate()
        let sectionOffset = update.offset
        var all = rows
        all.append((xref, [1] + AttackGenerator.bigEndian(sectionOffset, 4) + [0, 0]))
        var index: [PDFObject] = []
        var data: [UInt8] = []
        for (number, row) in all {
            index += [.integer(number), 1]
            data += row
        }
        var dict = update.trailer
        dict["Type"] = "XRef"
        dict["W"] = [1, 4, 2]
        dict["Index"] = .array(index)
        dict["Size"] = .integer(max(xref + 1, update.document.trailer["Size"]?.integer ?? 0))
        dict["Prev"] = .integer(update.prev)
        dict["Length"] = .integer(data.count)
        update.write(xref, .stream(PDFStream(dictionary: dict, data: .bytes(data))))
        return update.base + update.body + Array("startxref\n\(sectionOffset)\n%%EOF\n".utf8)
    }
}
