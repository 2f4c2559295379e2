import Foundation

/// A whole XML document read in one pass without building a tree: where each element starts and
/// ends in the bytes, its name and namespace, its identifier, and the document's canonical form
/// (computed as it was read, by ``XMLByteCanonicalizer``). Signing and verifying take the
/// document's large part, the content a signature covers, from here, and parse only the
/// signature itself with libxml2 (``subtree(_:)``).
///
/// The outline exists only for documents inside the reader's subset (UTF-8, no DTD, plain names
/// and namespaces); for any other document `init` returns nil and callers read it with
/// ``XMLTree``, which reads everything XML allows.
///
/// ```swift
/// if let outline = XMLDocumentOutline(bytes) {
///     let digestInput = outline.canonicalize(.exclusive, excluding: signatureIndex)
/// }
/// ```
public final class XMLDocumentOutline: @unchecked Sendable {
    /// One element, by its position in the bytes and in the canonical form.
    public struct Element: Sendable {
        /// The offset of the start tag's `<`.
        public let start: Int
        /// Just past the start tag's `>`.
        public let startTagEnd: Int
        /// The offset of the end tag's `</` (for `<e/>`, of its `/>`).
        public internal(set) var endTag: Int
        /// Just past the element.
        public internal(set) var end: Int
        /// The parent's index, or -1 for the root.
        public let parent: Int
        let name: Range<Int>
        let prefixLength: Int
        let namespace: Range<Int>?
        let declarations: Range<Int>
        let canonicalStart: Int
        var canonicalEnd: Int

        /// Records the end tag (one access to the reader's array of elements, not three).
        mutating func close(endTag: Int, end: Int, canonicalEnd: Int) {
            self.endTag = endTag
            self.end = end
            self.canonicalEnd = canonicalEnd
        }
    }

    struct Declaration {
        let element: Int
        let prefix: Range<Int>
        let uri: Range<Int>
    }

    /// An `Id`, `ID` or `id` attribute (its value written without references or whitespace to
    /// normalise: others are left to libxml2).
    struct Identifier {
        let element: Int
        let value: Range<Int>
    }

    /// What the reader collects.
    struct Parts {
        var elements: [Element] = []
        var declarations: [Declaration] = []
        var identifiers: [Identifier] = []
    }

    /// The document's bytes.
    public let bytes: [UInt8]
    /// Every element, in document order (the root first).
    public let elements: [Element]
    private let declarations: [Declaration]
    private let identifiers: [Identifier]
    private let limits: XMLTree.Limits
    /// Canonical forms of the whole document by method (the exclusive one is made while reading),
    /// with where each element's form starts and ends in it.
    private var forms: [String: Form] = [:]

    private struct Form {
        let buffer: XMLOutputBuffer
        /// The reader's elements, whose canonical spans are this form's (shared, not copied).
        let elements: [Element]
        init(_ reader: XMLByteCanonicalizer) {
            buffer = reader.out
            elements = reader.outline.elements
        }
        func span(_ index: Int) -> Range<Int> { elements[index].canonicalStart..<elements[index].canonicalEnd }
    }
    private let lock = NSLock()

    /// Reads `bytes`; nil when they are outside the subset this reader takes (libxml2 then reads them).
    public convenience init?(_ bytes: [UInt8], limits: XMLTree.Limits = XMLTree.Limits()) {
        guard bytes.count <= limits.maximumBytes,
            case .success(let scan) = Self.scan(bytes, .exclusive(prefixes: []), limits)
        else { return nil }
        self.init(bytes: bytes, reader: scan, limits: limits)
    }

    private init(bytes: [UInt8], reader: XMLByteCanonicalizer, limits: XMLTree.Limits) {
        self.bytes = bytes
        elements = reader.outline.elements
        declarations = reader.outline.declarations
        identifiers = reader.outline.identifiers
        self.limits = limits
        forms[Self.key(.exclusive, [])] = Form(reader)
    }

    private static func scan(
        _ bytes: [UInt8], _ mode: XMLByteCanonicalizer.Mode, _ limits: XMLTree.Limits
    )
        -> Result<XMLByteCanonicalizer, XMLByteCanonicalizer.OutsideSubset>
    {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = XMLByteCanonicalizer(buffer, mode: mode, maximumDepth: limits.maximumDepth)
            do throws(XMLByteCanonicalizer.OutsideSubset) { try reader.run() } catch { return .failure(error) }
            return .success(reader)
        }
    }

    /// The reader's mode for `method` (exclusive C14N's InclusiveNamespaces `prefixes` as bytes,
    /// "#default" the empty prefix; ignored by the inclusive methods).
    private static func mode(_ method: Canonicalization, _ prefixes: [String]) -> XMLByteCanonicalizer.Mode {
        method.isExclusive ? .exclusive(prefixes: prefixes.map { $0 == "#default" ? [] : Array($0.utf8) }) : .inclusive
    }

    private static func key(_ method: Canonicalization, _ prefixes: [String]) -> String {
        method.isExclusive ? "exc " + prefixes.joined(separator: " ") : "inc"
    }

    // MARK: Canonical forms

    /// The whole document's canonical form by `method` (comments left out, as for every
    /// same-document reference), less the element `excluding` and everything in it (the
    /// enveloped-signature transform). Nil for a form this reader does not write: the document
    /// less its root (libxml2 then separates the processing instructions around it differently,
    /// and no signature needs it).
    public func canonicalize(
        _ method: Canonicalization, inclusivePrefixes: [String] = [], excluding: Int? = nil
    )
        -> [UInt8]?
    {
        canonicalForm(method, inclusivePrefixes: inclusivePrefixes, excluding: excluding)?.bytes
    }

    /// The same canonical form where the reader wrote it, without a copy (``XMLCanonicalForm``).
    public func canonicalForm(
        _ method: Canonicalization, inclusivePrefixes: [String] = [], excluding: Int? = nil
    )
        -> XMLCanonicalForm?
    {
        if excluding == root { return nil }
        let prefixes = method.isExclusive ? inclusivePrefixes : []
        let key = Self.key(method, prefixes)
        lock.lock()
        var form = forms[key]
        lock.unlock()
        if form == nil {
            guard case .success(let scan) = Self.scan(bytes, Self.mode(method, prefixes), limits) else { return nil }
            form = Form(scan)
            lock.lock()
            forms[key] = form
            lock.unlock()
        }
        guard let form else { return nil }
        // Canonical XML is written in document order and an element's form depends only on its
        // ancestors: the document less a subtree is the form less that subtree's span.
        return XMLCanonicalForm(buffer: form.buffer, excluded: excluding.map { form.span($0) })
    }

    /// The canonical form of the element `index` with everything in it, alone: the apex of a
    /// document subset, its ancestors' namespaces in scope and none of them output (what
    /// `xmlC14NExecute` writes for that element's node set; comments left out, as for a
    /// same-document reference). Read from the element's bytes, not kept. Nil when the element
    /// is one the reader does not take alone (libxml2 then canonicalises it).
    public func canonicalize(
        element index: Int, _ method: Canonicalization, inclusivePrefixes: [String] = []
    )
        -> [UInt8]?
    {
        let inherited = ancestors(index).flatMap { ancestor in
            declarations[elements[ancestor].declarations].map { (prefix: $0.prefix, uri: $0.uri) }
        }
        let element = elements[index].start..<elements[index].end
        return bytes.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var reader = XMLByteCanonicalizer(
                buffer, mode: Self.mode(method, inclusivePrefixes), maximumDepth: limits.maximumDepth,
                element: element, inherited: inherited)
            do throws(XMLByteCanonicalizer.OutsideSubset) { try reader.runElement() } catch { return nil }
            return reader.out.bytes
        }
    }

    // MARK: Elements

    public var root: Int { 0 }

    /// The name as written, with its prefix.
    public func qualifiedName(_ index: Int) -> String { string(elements[index].name) }

    /// The namespace URI of the element at `index`, or nil.
    public func namespace(_ index: Int) -> String? { elements[index].namespace.map(string) }

    /// Whether the element at `index` is `name` in `namespace` (compared without making strings).
    public func isElement(_ index: Int, _ name: String, in namespace: String) -> Bool {
        let element = elements[index]
        let local = XMLByteCanonicalizer.localPart(element.name, prefixLength: element.prefixLength)
        guard local.count == name.utf8.count, let uri = element.namespace, uri.count == namespace.utf8.count else {
            return false
        }
        return equals(local, name) && equals(uri, namespace)
    }

    /// Every element named `name` in `namespace`, in document order.
    public func elements(named name: String, in namespace: String) -> [Int] {
        elements.indices.filter { isElement($0, name, in: namespace) }
    }

    /// The element's `Id`, `ID` or `id` attribute (the first written).
    public func identifier(_ index: Int) -> String? {
        identifiers.first { $0.element == index }.map { string($0.value) }
    }

    /// Every element whose identifier attribute is `value` (more than one: the document is ambiguous).
    public func elements(withID value: String) -> [Int] {
        identifiers.filter { equals($0.value, value) }.map(\.element)
    }

    /// Whether the element `index` is `ancestor` or lies inside it.
    public func isWithin(_ index: Int, _ ancestor: Int) -> Bool {
        elements[index].start >= elements[ancestor].start && elements[index].end <= elements[ancestor].end
    }

    /// The namespace bindings in scope at the element `index` from its ancestors (not its own
    /// declarations), as (prefix, URI); the prefix "" is the default namespace, present only when
    /// it is not empty.
    public func inheritedNamespaces(_ index: Int) -> [(prefix: String, uri: String)] {
        inheritedBindings(index).map { (string($0.prefix), string($0.uri)) }
    }

    /// The same bindings as ranges of the bytes, sorted by prefix (names are ASCII here: byte
    /// order is the strings' order).
    private func inheritedBindings(_ index: Int) -> [(prefix: Range<Int>, uri: Range<Int>)] {
        var bindings: [(prefix: Range<Int>, uri: Range<Int>)] = []
        for ancestor in ancestors(index) {
            for declaration in declarations[elements[ancestor].declarations] {
                let prefix = bytes[declaration.prefix]
                if let inner = bindings.firstIndex(where: { bytes[$0.prefix].elementsEqual(prefix) }) {
                    bindings[inner].uri = declaration.uri  // an inner declaration of the same prefix
                } else {
                    bindings.append((declaration.prefix, declaration.uri))
                }
            }
        }
        return bindings.filter { !($0.prefix.isEmpty && $0.uri.isEmpty) }
            .sorted { bytes[$0.prefix].lexicographicallyPrecedes(bytes[$1.prefix]) }
    }

    /// The ancestors of the element `index`, the root first.
    private func ancestors(_ index: Int) -> [Int] {
        var chain: [Int] = []
        var current = elements[index].parent
        while current >= 0 {
            chain.append(current)
            current = elements[current].parent
        }
        return chain.reversed()
    }

    /// The element `index` parsed by libxml2 on its own, inside a wrapper element that declares
    /// the namespaces its ancestors bind (so that it reads and canonicalises as it does in place):
    /// the root of the result is that wrapper, the element its only child.
    public func subtree(_ index: Int) throws(XMLError) -> XMLTree {
        let element = elements[index]
        let bindings = inheritedBindings(index)
        var text: [UInt8] = []
        text.reserveCapacity(element.end - element.start + 32 + bindings.reduce(0) { $0 + $1.uri.count + 16 })
        text.append(contentsOf: "<esign-scope".utf8)
        for (prefix, uri) in bindings {
            if prefix.isEmpty {
                text.append(contentsOf: " xmlns=\"".utf8)
            } else {
                text.append(contentsOf: " xmlns:".utf8)
                text += bytes[prefix]
                text.append(contentsOf: "=\"".utf8)
            }
            text += bytes[uri]
            text.append(0x22)
        }
        text.append(0x3E)
        text += bytes[element.start..<element.end]
        text.append(contentsOf: "</esign-scope>".utf8)
        return try XMLTree(parsing: text, limits: limits)
    }

    /// Where the root starts and ends, for splicing a signature in.
    public var layout: XMLByteLayout {
        let root = elements[0]
        return XMLByteLayout(
            rootStart: root.start, rootEndTag: root.endTag, rootEnd: root.end,
            rootIsEmpty: root.startTagEnd == root.end, rootName: qualifiedName(0))
    }

    private func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    private func equals(_ range: Range<Int>, _ text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        for index in range {
            guard let byte = utf8.next(), byte == bytes[index] else { return false }
        }
        return utf8.next() == nil
    }
}
