import CXMLText

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One pass over a UTF-8 XML document's bytes that checks it is well-formed and writes its
/// canonical form (exclusive or inclusive C14N, without comments) as it goes, recording where each
/// element starts and ends in the input and in the output. No tree is built: this is what makes
/// signing and verifying a large document cost little more than hashing it.
///
/// It reads a deliberately narrow subset of XML and steps aside (``OutsideSubset``) on anything
/// else, leaving the document to libxml2 (``XMLTree``): only UTF-8, no DTD, ASCII names, the five
/// predefined entities, absolute namespace URIs of plain characters, no `xml:` attributes, bounded
/// sizes. Within the subset its output must equal `xmlC14NExecute`'s byte for byte, and whatever
/// it accepts libxml2 must accept: the differential tests and the fuzzer hold it to both.
///
/// Its helpers are `mutating` even where they only read: a non-mutating method called from a
/// mutating one is handed a copy of the reader (136 bytes, with retains of the arrays it holds),
/// and those copies were a tenth of the reader's time. The two that take `i` inout stay
/// non-mutating.
///
/// The unsafe buffer is the input, borrowed for the pass (as the other ESignXML bindings borrow
/// libxml2's pointers) and never kept.
struct XMLByteCanonicalizer {
    /// Which canonical form is written.
    enum Mode: Equatable {
        case inclusive  // C14N 1.0 and 1.1 (identical for a whole document without `xml:` attributes)
        case exclusive(prefixes: [[UInt8]])  // exclusive C14N with its InclusiveNamespaces PrefixList
    }

    /// Why the document is left to libxml2 (a name for tests and the fuzzer; never shown to users).
    struct OutsideSubset: Error, CustomStringConvertible {
        let reason: StaticString
        var description: String { "\(reason)" }
    }

    private let b: UnsafeBufferPointer<UInt8>
    private let n: Int
    /// What each byte value is (``ByteClass``), read through a pointer: a static table would cost a
    /// lazy-initialisation check at every byte.
    private let classes: UnsafePointer<UInt8>
    /// The mode, split so that the per-element code reads plain values (matching on the enum
    /// retained its prefix list at every element).
    private let exclusive: Bool
    private let inclusivePrefixes: [[UInt8]]
    private let maximumDepth: Int
    /// Whether long runs of text are checked 32 bytes at a time (``XMLTextKernel``).
    private let textKernel: Bool
    private var i = 0
    /// The canonical form written.
    let out: XMLOutputBuffer
    private(set) var outline = XMLDocumentOutline.Parts()

    /// The open elements (indices into `outline.elements`).
    private var open: [Int] = []
    /// Namespace bindings in scope, innermost last; a binding's depth is its element's.
    private var scope: [Binding] = []
    /// Namespace declarations written by output ancestors, innermost last.
    private var rendered: [Binding] = []
    /// Scratch for the tag being read.
    private var attributes: [Attribute] = []
    private var renderList: [Binding] = []

    private struct Binding {
        var prefix: Range<Int>  // empty: the default namespace
        var uri: Range<Int>  // empty: no namespace
        var depth: Int
    }

    private struct Attribute {
        var name: Range<Int>
        var prefixLength: Int
        var value: Range<Int>
        var plain: Bool  // copied as it is: no reference, no character to normalise or escape
        var uri: Range<Int> = 0..<0
    }

    static let maximumTextRun = 1_000_000
    static let maximumAttributeValue = 100_000
    static let maximumName = 1_000
    static let maximumAttributes = 32

    init(_ bytes: UnsafeBufferPointer<UInt8>, mode: Mode, maximumDepth: Int) {
        self.init(bytes, mode: mode, maximumDepth: maximumDepth, end: bytes.count, size: bytes.count)
    }

    /// Reads only the element at `element` (from its `<` to just past its end), as the apex of a
    /// document subset: the namespace declarations of its ancestors, `inherited` (ranges of the same
    /// bytes, outermost first), are in scope and none of them is output. ``runElement()`` reads it.
    init(
        _ bytes: UnsafeBufferPointer<UInt8>, mode: Mode, maximumDepth: Int, element: Range<Int>,
        inherited: [(prefix: Range<Int>, uri: Range<Int>)]
    ) {
        self.init(bytes, mode: mode, maximumDepth: maximumDepth, end: element.upperBound, size: element.count)
        i = element.lowerBound
        for binding in inherited { scope.append(Binding(prefix: binding.prefix, uri: binding.uri, depth: 0)) }
    }

    private init(_ bytes: UnsafeBufferPointer<UInt8>, mode: Mode, maximumDepth: Int, end: Int, size: Int) {
        b = bytes
        n = end
        classes = ByteClass.table
        textKernel = XMLTextKernel.isAvailable
        switch mode {
        case .inclusive:
            exclusive = false
            inclusivePrefixes = []
        case .exclusive(let prefixes):
            exclusive = true
            inclusivePrefixes = prefixes
        }
        self.maximumDepth = min(maximumDepth, 200)
        out = XMLOutputBuffer(capacity: size + size / 8 + 64)
        outline.elements.reserveCapacity(size / 64 + 4)
    }

    // MARK: The document

    mutating func run() throws(OutsideSubset) {
        if n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        if matches("<?xml") && i + 5 < n && isSpace(b[i + 5]) { try declaration() }
        // Before the root: whitespace, comments, processing instructions.
        while true {
            skipSpaces()
            guard i + 1 < n, b[i] == 0x3C else { throw OutsideSubset(reason: "no root element") }
            if matches("<!--") {
                try comment()
            } else if b[i + 1] == 0x3F {
                try processingInstruction(placement: .beforeRoot)
            } else if b[i + 1] == 0x21 {
                throw OutsideSubset(reason: "a DTD or declaration before the root")
            } else {
                break
            }
        }
        try content()
        while true {
            skipSpaces()
            if i >= n { break }
            guard i + 1 < n, b[i] == 0x3C else { throw OutsideSubset(reason: "text after the root element") }
            if matches("<!--") {
                try comment()
            } else if b[i + 1] == 0x3F {
                try processingInstruction(placement: .afterRoot)
            } else {
                throw OutsideSubset(reason: "markup after the root element")
            }
        }
    }

    /// The element the apex initialiser names, and nothing after it.
    mutating func runElement() throws(OutsideSubset) {
        guard i < n, b[i] == 0x3C else { throw OutsideSubset(reason: "not an element") }
        try content()
        guard i == n else { throw OutsideSubset(reason: "not an element") }
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`, strictly.
    private mutating func declaration() throws(OutsideSubset) {
        i += 5
        var seen = 0
        while true {
            let spaced = skipSpaces()
            guard i < n else { throw OutsideSubset(reason: "unterminated XML declaration") }
            if matches("?>") {
                i += 2
                break
            }
            guard spaced else { throw OutsideSubset(reason: "XML declaration syntax") }
            let nameStart = i
            while i < n && isNameByte(b[i]) { i += 1 }
            let name = nameStart..<i
            let quote = try valueOpening("XML declaration syntax")
            let valueStart = i
            while i < n && b[i] != quote && b[i] != 0x3C { i += 1 }
            guard i < n, b[i] == quote else { throw OutsideSubset(reason: "XML declaration syntax") }
            let value = valueStart..<i
            i += 1
            if seen == 0 && equals(name, "version") {
                guard equals(value, "1.0") else { throw OutsideSubset(reason: "an XML version other than 1.0") }
                seen = 1
            } else if seen == 1 && equals(name, "encoding") {
                guard equalsIgnoringCase(value, "utf-8") else {
                    throw OutsideSubset(reason: "an encoding other than UTF-8")
                }
                seen = 2
            } else if seen >= 1 && seen <= 2 && equals(name, "standalone") {
                guard equals(value, "yes") || equals(value, "no") else {
                    throw OutsideSubset(reason: "XML declaration syntax")
                }
                seen = 3
            } else {
                throw OutsideSubset(reason: "XML declaration syntax")
            }
        }
        guard seen >= 1 else { throw OutsideSubset(reason: "XML declaration without a version") }
    }

    // MARK: Elements

    /// The root element and everything in it, without recursion.
    private mutating func content() throws(OutsideSubset) {
        try startTag()
        var textLength = 0
        while !open.isEmpty {
            // Character data up to the next '<', written as it is read.
            var run = i
            while i < n {
                i = try skipCharacterData(from: i)
                guard i < n else { break }
                let byte = b[i]
                if byte == 0x3C { break }
                flush(run)
                switch byte {
                case 0x26:
                    try reference(inAttribute: false)
                case 0x3E:  // fine, unless it ends "]]>"
                    if i - 2 >= run && b[i - 1] == 0x5D && b[i - 2] == 0x5D {
                        throw OutsideSubset(reason: "]]> in character data")
                    }
                    append("&gt;")
                    i += 1
                case 0x0D:  // '\r' and "\r\n": one line feed
                    out.append(0x0A)
                    i += (i + 1 < n && b[i + 1] == 0x0A) ? 2 : 1
                default:
                    throw OutsideSubset(reason: "a control character")
                }
                run = i
            }
            textLength += i - run
            flush(run)
            if textLength > Self.maximumTextRun { throw OutsideSubset(reason: "a very long text node") }
            guard i + 1 < n else { throw OutsideSubset(reason: "unterminated element") }
            switch b[i + 1] {
            case 0x2F:
                try endTag()
                textLength = 0
            case 0x21:
                if matches("<!--") {
                    try comment()
                } else if matches("<![CDATA[") {
                    try cdata()
                } else {
                    throw OutsideSubset(reason: "a declaration inside the root")
                }
            case 0x3F:
                try processingInstruction(placement: .inside)
                textLength = 0
            default:
                try startTag()
                textLength = 0
            }
        }
    }

    private mutating func startTag() throws(OutsideSubset) {
        let start = i
        i += 1
        let (name, prefixLength) = try qualifiedName()
        if !attributes.isEmpty { attributes.removeAll(keepingCapacity: true) }
        var empty = false
        while true {
            let spaced = skipSpaces()
            guard i < n else { throw OutsideSubset(reason: "unterminated start tag") }
            if b[i] == 0x3E {
                i += 1
                break
            }
            if b[i] == 0x2F {
                guard i + 1 < n, b[i + 1] == 0x3E else { throw OutsideSubset(reason: "start tag syntax") }
                i += 2
                empty = true
                break
            }
            guard spaced else { throw OutsideSubset(reason: "attributes not separated by whitespace") }
            try attribute()
        }
        let depth = open.count + 1
        guard depth <= maximumDepth else { throw OutsideSubset(reason: "deep nesting") }
        let parent = open.last ?? -1
        let firstDeclaration = outline.declarations.count
        try declareNamespaces(depth: depth, element: outline.elements.count)
        let namespace: Range<Int>?
        let inherits = inheritsNamespaces(name: name, prefixLength: prefixLength, parent: parent, depth: depth)
        if inherits {
            namespace = outline.elements[parent].namespace
        } else {
            namespace = try resolve(name, prefixLength: prefixLength)
            try resolveAttributes()
        }
        let index = outline.elements.count
        outline.elements.append(
            XMLDocumentOutline.Element(
                start: start, startTagEnd: i, endTag: empty ? i - 2 : -1, end: empty ? i : -1, parent: parent,
                name: name, prefixLength: prefixLength, namespace: namespace,
                declarations: firstDeclaration..<outline.declarations.count, canonicalStart: out.count,
                canonicalEnd: -1))
        for a in attributes.indices where attributes[a].prefixLength == 0 && isIdentifierName(attributes[a].name) {
            let attribute = attributes[a]
            guard attribute.plain else { throw OutsideSubset(reason: "an identifier with references or spaces") }
            outline.identifiers.append(.init(element: index, value: attribute.value))
        }
        if inherits && attributes.isEmpty && i - start == name.count + 2 {
            copy(start..<i)  // `<name>` as written is its canonical form: one copy, not three
        } else {
            try writeStartTag(
                name: name, prefixLength: prefixLength, namespace: namespace, depth: depth, rendersNone: inherits)
        }
        if empty {
            writeEndTag(name)
            closeScope(depth: depth)
            outline.elements[index].canonicalEnd = out.count
        } else {
            open.append(index)
        }
    }

    private mutating func attribute() throws(OutsideSubset) {
        let (name, prefixLength) = try qualifiedName()
        let quote = try valueOpening("attribute syntax")
        let start = i
        var plain = true
        while true {
            guard i < n else { throw OutsideSubset(reason: "unterminated attribute value") }
            let byte = b[i]
            if classes[Int(byte)] & ByteClass.valueText != 0 {
                i += 1
                continue
            }
            if byte == quote { break }
            if byte >= 0x80 {
                i += try utf8Sequence(at: i)
                continue
            }
            switch byte {
            case 0x3C: throw OutsideSubset(reason: "< in an attribute value")
            case 0x26, 0x22, 0x09, 0x0A, 0x0D: plain = false
            case 0..<0x20: throw OutsideSubset(reason: "a control character")
            default: break
            }
            i += 1
        }
        guard i - start <= Self.maximumAttributeValue else { throw OutsideSubset(reason: "a very long attribute") }
        let value = start..<i
        i += 1
        guard attributes.count < Self.maximumAttributes else { throw OutsideSubset(reason: "many attributes") }
        for other in attributes.indices where same(attributes[other].name, name) {
            throw OutsideSubset(reason: "a repeated attribute")
        }
        attributes.append(Attribute(name: name, prefixLength: prefixLength, value: value, plain: plain))
    }

    /// `S? = S?` and the quote that opens a value (an attribute's, or the XML declaration's);
    /// returns the quote.
    private mutating func valueOpening(_ reason: StaticString) throws(OutsideSubset) -> UInt8 {
        skipSpaces()
        guard i < n, b[i] == 0x3D else { throw OutsideSubset(reason: reason) }
        i += 1
        skipSpaces()
        guard i < n, b[i] == 0x22 || b[i] == 0x27 else { throw OutsideSubset(reason: reason) }
        i += 1
        return b[i - 1]
    }

    private mutating func endTag() throws(OutsideSubset) {
        guard let index = open.last else { throw OutsideSubset(reason: "an end tag without a start") }
        let endTagStart = i
        i += 2
        let name = outline.elements[index].name
        guard i + name.count <= n, same(i..<(i + name.count), name) else {
            throw OutsideSubset(reason: "an end tag that does not match")
        }
        i += name.count
        skipSpaces()
        guard i < n, b[i] == 0x3E else { throw OutsideSubset(reason: "an end tag that does not match") }
        i += 1
        if i - endTagStart == name.count + 3 {
            copy(endTagStart..<i)  // `</name>` as written
        } else {
            writeEndTag(name)
        }
        let depth = open.count
        closeScope(depth: depth)
        open.removeLast()
        outline.elements[index].close(endTag: endTagStart, end: i, canonicalEnd: out.count)
    }

    /// A name `NCName` or `prefix:NCName` of ASCII letters, digits, `_`, `-` and `.` (others:
    /// libxml2 decides).
    private mutating func qualifiedName() throws(OutsideSubset) -> (Range<Int>, Int) {
        let start = i
        var colon = -1
        var j = i
        guard j < n, isNameStart(b[j]) else {
            throw OutsideSubset(reason: "a name esign does not read")
        }
        j += 1
        while j < n {
            let byte = b[j]
            if isNameByte(byte) {
                j += 1
            } else if byte == 0x3A && colon < 0 {
                colon = j
                j += 1
                guard j < n, isNameStart(b[j]) else {
                    throw OutsideSubset(reason: "a name esign does not read")
                }
            } else {
                break
            }
        }
        i = j
        guard j - start <= Self.maximumName else { throw OutsideSubset(reason: "a very long name") }
        if j < n && b[j] >= 0x80 { throw OutsideSubset(reason: "a name esign does not read") }
        return (start..<j, colon < 0 ? 0 : colon - start)
    }

    // MARK: Namespaces

    /// Takes the tag's `xmlns` and `xmlns:p` attributes out of `attributes` into the scope.
    private mutating func declareNamespaces(depth: Int, element: Int) throws(OutsideSubset) {
        var index = 0
        while index < attributes.count {
            let attribute = attributes[index]
            let name = attribute.name
            if b[name.lowerBound] != 0x78 {  // neither xmlns nor xml:
                index += 1
                continue
            }
            let prefix: Range<Int>
            if attribute.prefixLength == 0 && equals(name, "xmlns") {
                prefix = name.lowerBound..<name.lowerBound
            } else if attribute.prefixLength == 5 && equals(name.lowerBound..<(name.lowerBound + 5), "xmlns") {
                prefix = (name.lowerBound + 6)..<name.upperBound
                if equals(prefix, "xml") || equals(prefix, "xmlns") {
                    throw OutsideSubset(reason: "a declaration of xml or xmlns")
                }
            } else {
                if attribute.prefixLength == 3 && equals(name.lowerBound..<(name.lowerBound + 3), "xml") {
                    throw OutsideSubset(reason: "an xml: attribute")
                }
                index += 1
                continue
            }
            try checkNamespaceURI(attribute, isDefault: prefix.isEmpty)
            let binding = Binding(prefix: prefix, uri: attribute.value, depth: depth)
            scope.append(binding)
            outline.declarations.append(.init(element: element, prefix: prefix, uri: attribute.value))
            attributes.remove(at: index)
        }
    }

    /// A namespace name libxml2's C14N accepts: empty only for the default namespace, otherwise
    /// an absolute URI of unreserved and reserved ASCII characters.
    private mutating func checkNamespaceURI(_ attribute: Attribute, isDefault: Bool) throws(OutsideSubset) {
        let uri = attribute.value
        guard attribute.plain else { throw OutsideSubset(reason: "a namespace URI with references or spaces") }
        if uri.isEmpty {
            guard isDefault else { throw OutsideSubset(reason: "an empty prefixed namespace") }
            return
        }
        guard Self.isAlpha(b[uri.lowerBound]) else { throw OutsideSubset(reason: "a relative namespace URI") }
        var index = uri.lowerBound
        var schemeEnded = false
        var fragment = false
        while index < uri.upperBound {
            let byte = b[index]
            if !schemeEnded {
                if byte == 0x3A {
                    schemeEnded = true
                    if index + 2 < uri.upperBound && b[index + 1] == 0x2F && b[index + 2] == 0x2F {
                        index = try authority(from: index + 3, to: uri.upperBound)
                        continue
                    }
                } else if !(Self.isAlpha(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2B || byte == 0x2D
                    || byte == 0x2E)
                {
                    throw OutsideSubset(reason: "a relative namespace URI")
                }
            } else if byte == 0x25 {
                guard index + 2 < uri.upperBound, Self.isHex(b[index + 1]), Self.isHex(b[index + 2]) else {
                    throw OutsideSubset(reason: "a namespace URI with a bad escape")
                }
                index += 2
            } else if byte == 0x23 {
                guard !fragment else { throw OutsideSubset(reason: "a namespace URI with two fragments") }
                fragment = true
            } else if !Self.uriByte[Int(byte)] {
                throw OutsideSubset(reason: "a namespace URI with unusual characters")
            }
            index += 1
        }
        guard schemeEnded else { throw OutsideSubset(reason: "a relative namespace URI") }
        if equals(uri, "http://www.w3.org/XML/1998/namespace") || equals(uri, "http://www.w3.org/2000/xmlns/") {
            throw OutsideSubset(reason: "the xml or xmlns namespace declared")
        }
    }

    /// A URI's authority `host[:port]` from `start`, of letters, digits, dots and hyphens (no user
    /// information, no IP literal); returns where the path begins.
    private mutating func authority(from start: Int, to end: Int) throws(OutsideSubset) -> Int {
        var index = start
        var port = -1
        while index < end && b[index] != 0x2F && b[index] != 0x3F && b[index] != 0x23 {
            let byte = b[index]
            if byte == 0x3A && port < 0 {
                port = index
            } else if port >= 0 {
                guard byte >= 0x30 && byte <= 0x39 else { throw OutsideSubset(reason: "a namespace URI's port") }
            } else if !(Self.isAlpha(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D) {
                throw OutsideSubset(reason: "a namespace URI's host")
            }
            index += 1
        }
        guard index > start, port != start else { throw OutsideSubset(reason: "a namespace URI's host") }
        // libxml2 2.9 refuses an empty port, and one beyond an int.
        guard port < 0 || (index - port - 1 >= 1 && index - port - 1 <= 5) else {
            throw OutsideSubset(reason: "a namespace URI's port")
        }
        return index
    }

    /// The namespace URI a prefix (empty: the default) is bound to; nil when the default is unbound
    /// or empty. An unbound prefix is outside the subset.
    private mutating func lookup(_ prefix: Range<Int>) -> Range<Int>? {
        var index = scope.count - 1
        while index >= 0 {
            if same(scope[index].prefix, prefix) { return scope[index].uri.isEmpty ? nil : scope[index].uri }
            index -= 1
        }
        return nil
    }

    private mutating func resolve(_ name: Range<Int>, prefixLength: Int) throws(OutsideSubset) -> Range<Int>? {
        let prefix = name.lowerBound..<(name.lowerBound + prefixLength)
        guard let uri = lookup(prefix) else {
            if prefixLength > 0 { throw OutsideSubset(reason: "an undeclared prefix") }
            return nil
        }
        return uri
    }

    private mutating func resolveAttributes() throws(OutsideSubset) {
        for index in attributes.indices where attributes[index].prefixLength > 0 {
            let name = attributes[index].name
            guard let uri = try resolve(name, prefixLength: attributes[index].prefixLength) else {
                throw OutsideSubset(reason: "an undeclared prefix")
            }
            attributes[index].uri = uri
            let local = Self.localPart(name, prefixLength: attributes[index].prefixLength)
            for other in attributes[..<index] where other.prefixLength > 0 {
                if same(other.uri, uri) && same(Self.localPart(other.name, prefixLength: other.prefixLength), local) {
                    throw OutsideSubset(reason: "an attribute repeated under two prefixes")
                }
            }
        }
    }

    /// Whether the element's names resolve as its parent's did and its start tag renders no
    /// namespace declaration, without looking them up: it declares none, has no prefixed
    /// attribute, and has its parent's prefix. The parent, an output element, resolved that
    /// prefix in the same scope and left it rendered, and an element below the apex renders
    /// only what it declares (inclusive C14N) or a visibly used prefix not already rendered
    /// (exclusive C14N without an InclusiveNamespaces list). Most elements of most documents.
    @inline(__always) private mutating func inheritsNamespaces(
        name: Range<Int>, prefixLength: Int, parent: Int, depth: Int
    ) -> Bool {
        guard depth >= 2, parent >= 0, inclusivePrefixes.isEmpty,
            scope.last.map({ $0.depth < depth }) ?? true
        else { return false }
        for a in attributes.indices where attributes[a].prefixLength > 0 { return false }
        let parentName = outline.elements[parent].name
        let parentPrefixLength = outline.elements[parent].prefixLength
        guard parentPrefixLength == prefixLength else { return false }
        return prefixLength == 0
            || same(
                name.lowerBound..<(name.lowerBound + prefixLength),
                parentName.lowerBound..<(parentName.lowerBound + prefixLength))
    }

    private mutating func closeScope(depth: Int) {
        while let last = scope.last, last.depth >= depth { scope.removeLast() }
        while let last = rendered.last, last.depth >= depth { rendered.removeLast() }
    }

    /// The URI output ancestors last wrote for `prefix` (empty: none, or the empty default).
    private mutating func renderedURI(_ prefix: Range<Int>) -> Range<Int> {
        var index = rendered.count - 1
        while index >= 0 {
            if same(rendered[index].prefix, prefix) { return rendered[index].uri }
            index -= 1
        }
        return 0..<0
    }

    /// Decides which namespace declarations the element's canonical start tag carries.
    private mutating func collectRenderedNamespaces(
        name: Range<Int>, prefixLength: Int, namespace: Range<Int>?, depth: Int
    ) {
        if !renderList.isEmpty { renderList.removeAll(keepingCapacity: true) }
        if !exclusive {
            // Every ancestor is output: what changes is what this element declares. The apex of
            // an element read alone (depth 1) renders every binding in scope, its ancestors' too:
            // each prefix's innermost, even where that one renders nothing (`xmlns=""`).
            var index = scope.count - 1
            while index >= 0 && (scope[index].depth == depth || depth == 1) {
                if depth == 1 && isShadowed(index) {
                    index -= 1
                    continue
                }
                consider(scope[index].prefix, uri: scope[index].uri, depth: depth)
                index -= 1
            }
        } else {
            let elementPrefix = name.lowerBound..<(name.lowerBound + prefixLength)
            consider(elementPrefix, uri: namespace ?? (0..<0), depth: depth)
            for a in attributes.indices where attributes[a].prefixLength > 0 {
                let prefix =
                    attributes[a].name.lowerBound..<(attributes[a].name.lowerBound + attributes[a].prefixLength)
                consider(prefix, uri: attributes[a].uri, depth: depth)
            }
            for listed in inclusivePrefixes {
                // "#default" arrives here as the empty prefix; only bindings in scope are rendered.
                var index = scope.count - 1
                while index >= 0 {
                    if equals(scope[index].prefix, listed) {
                        consider(scope[index].prefix, uri: scope[index].uri, depth: depth)
                        break
                    }
                    index -= 1
                }
            }
        }
        // Sorted by prefix, the default namespace first.
        var a = 1
        while a < renderList.count {
            var c = a
            while c > 0 && lessThan(renderList[c].prefix, renderList[c - 1].prefix) {
                renderList.swapAt(c, c - 1)
                c -= 1
            }
            a += 1
        }
        for b in renderList.indices { rendered.append(renderList[b]) }
    }

    /// Whether a binding further in (later in `scope`) declares the same prefix.
    private mutating func isShadowed(_ index: Int) -> Bool {
        var inner = index + 1
        while inner < scope.count {
            if same(scope[inner].prefix, scope[index].prefix) { return true }
            inner += 1
        }
        return false
    }

    private mutating func consider(_ prefix: Range<Int>, uri: Range<Int>, depth: Int) {
        for already in renderList where same(already.prefix, prefix) { return }
        if same(renderedURI(prefix), uri) { return }
        renderList.append(Binding(prefix: prefix, uri: uri, depth: depth))
    }

    // MARK: Writing

    private mutating func writeStartTag(
        name: Range<Int>, prefixLength: Int, namespace: Range<Int>?, depth: Int, rendersNone: Bool
    )
        throws(OutsideSubset)
    {
        if rendersNone {
            if !renderList.isEmpty { renderList.removeAll(keepingCapacity: true) }
        } else {
            collectRenderedNamespaces(name: name, prefixLength: prefixLength, namespace: namespace, depth: depth)
        }
        out.append(0x3C)
        copy(name)
        for r in renderList.indices {
            let binding = renderList[r]
            if binding.prefix.isEmpty {
                append(" xmlns=\"")
            } else {
                append(" xmlns:")
                copy(binding.prefix)
                append("=\"")
            }
            copy(binding.uri)
            out.append(0x22)
        }
        // Attributes sorted by namespace URI (none first), then local name.
        var a = 1
        while a < attributes.count {
            var c = a
            while c > 0 && attributeLess(attributes[c], attributes[c - 1]) {
                attributes.swapAt(c, c - 1)
                c -= 1
            }
            a += 1
        }
        for a in attributes.indices {
            let attribute = attributes[a]
            out.append(0x20)
            copy(attribute.name)
            append("=\"")
            if attribute.plain {
                copy(attribute.value)
            } else {
                try writeAttributeValue(attribute.value)
            }
            out.append(0x22)
        }
        out.append(0x3E)
    }

    private mutating func attributeLess(_ x: Attribute, _ y: Attribute) -> Bool {
        if !same(x.uri, y.uri) { return lessThan(x.uri, y.uri) }
        return lessThan(
            Self.localPart(x.name, prefixLength: x.prefixLength), Self.localPart(y.name, prefixLength: y.prefixLength))
    }

    private mutating func writeEndTag(_ name: Range<Int>) {
        append("</")
        copy(name)
        out.append(0x3E)
    }

    /// An attribute value normalised (XML § 3.3.3, every attribute CDATA without a DTD) and escaped
    /// as C14N escapes it.
    private mutating func writeAttributeValue(_ value: Range<Int>) throws(OutsideSubset) {
        let saved = i
        i = value.lowerBound
        while i < value.upperBound {
            switch b[i] {
            case 0x26:
                try reference(inAttribute: true)
            case 0x09, 0x0A:
                out.append(0x20)
                i += 1
            case 0x0D:
                out.append(0x20)
                i += (i + 1 < value.upperBound && b[i + 1] == 0x0A) ? 2 : 1
            case 0x22:
                append("&quot;")
                i += 1
            default:
                out.append(b[i])
                i += 1
            }
        }
        i = saved
    }

    /// `&name;` (the five predefined entities) or a character reference at `i`, written escaped.
    private mutating func reference(inAttribute: Bool) throws(OutsideSubset) {
        var scalar: UInt32
        if i + 2 < n && b[i + 1] == 0x23 {
            let hex = b[i + 2] == 0x78
            var index = i + (hex ? 3 : 2)
            let first = index
            scalar = 0
            while index < n && index - first < 8 {
                let byte = b[index]
                if byte >= 0x30 && byte <= 0x39 {
                    scalar = scalar * (hex ? 16 : 10) + UInt32(byte - 0x30)
                } else if hex && Self.isHex(byte) {
                    scalar = scalar * 16 + UInt32((byte | 0x20) - 0x61 + 10)
                } else {
                    break
                }
                index += 1
            }
            guard index > first, index < n, b[index] == 0x3B else {
                throw OutsideSubset(reason: "a character reference")
            }
            guard Self.isXMLChar(scalar) else { throw OutsideSubset(reason: "a reference to a character XML forbids") }
            i = index + 1
        } else if let (character, length) = predefinedEntity() {
            scalar = character
            i += length
        } else {
            throw OutsideSubset(reason: "an entity reference")
        }
        switch scalar {
        case 0x26: append("&amp;")
        case 0x3C: append("&lt;")
        case 0x3E: if inAttribute { out.append(0x3E) } else { append("&gt;") }
        case 0x22: if inAttribute { append("&quot;") } else { out.append(0x22) }
        case 0x0D: append("&#xD;")
        case 0x09: if inAttribute { append("&#x9;") } else { out.append(0x09) }
        case 0x0A: if inAttribute { append("&#xA;") } else { out.append(0x0A) }
        default: appendUTF8(scalar)
        }
    }

    /// `&amp;`, `&lt;`, `&gt;`, `&quot;` or `&apos;` at `i`: the character and the reference's length.
    private mutating func predefinedEntity() -> (UInt32, Int)? {
        if matches("&amp;") { return (0x26, 5) }
        if matches("&lt;") { return (0x3C, 4) }
        if matches("&gt;") { return (0x3E, 4) }
        if matches("&quot;") { return (0x22, 6) }
        if matches("&apos;") { return (0x27, 6) }
        return nil
    }

    // MARK: Comments, CDATA, processing instructions

    /// `<!-- … -->`: checked, never written (same-document references leave comments out).
    private mutating func comment() throws(OutsideSubset) {
        i += 4
        let start = i
        while true {
            guard i + 2 < n else { throw OutsideSubset(reason: "unterminated comment") }
            let byte = b[i]
            if byte == 0x3C && b[i + 1] == 0x21 {
                // XMLTree refuses "<!DOCTYPE" and "<!ENTITY" even inside comments: so does the reader.
                throw OutsideSubset(reason: "<! inside a comment")
            }
            if byte == 0x2D && b[i + 1] == 0x2D {
                guard b[i + 2] == 0x3E else { throw OutsideSubset(reason: "-- in a comment") }
                guard i == start || b[i - 1] != 0x2D else { throw OutsideSubset(reason: "-- in a comment") }
                i += 3
                return
            }
            try character(at: &i)
            guard i - start <= Self.maximumTextRun else { throw OutsideSubset(reason: "a very long comment") }
        }
    }

    private mutating func cdata() throws(OutsideSubset) {
        i += 9
        let start = i
        while true {
            guard i + 2 < n else { throw OutsideSubset(reason: "unterminated CDATA section") }
            let byte = b[i]
            if byte == 0x5D && b[i + 1] == 0x5D && b[i + 2] == 0x3E {
                i += 3
                return
            }
            switch byte {
            case 0x26: append("&amp;")
            case 0x3C:
                if b[i + 1] == 0x21 { throw OutsideSubset(reason: "<! inside a CDATA section") }
                append("&lt;")
            case 0x3E: append("&gt;")
            case 0x0D:
                out.append(0x0A)
                if b[i + 1] == 0x0A { i += 1 }
            default:
                let from = i
                try character(at: &i)
                copy(from..<i)
                continue
            }
            i += 1
            guard i - start <= Self.maximumTextRun else { throw OutsideSubset(reason: "a very long CDATA section") }
        }
    }

    private enum Placement { case beforeRoot, inside, afterRoot }

    /// `<?target data?>`, written `<?target data?>` (C14N puts a line feed between it and the root).
    private mutating func processingInstruction(placement: Placement) throws(OutsideSubset) {
        i += 2
        let target = i
        while i < n && isNameByte(b[i]) { i += 1 }
        let name = target..<i
        guard !name.isEmpty, isNameStart(b[target]), !equalsIgnoringCase(name, "xml") else {
            throw OutsideSubset(reason: "a processing instruction esign does not read")
        }
        if placement == .afterRoot { out.append(0x0A) }
        append("<?")
        copy(name)
        if matches("?>") {
            i += 2
        } else {
            guard skipSpaces() else { throw OutsideSubset(reason: "a processing instruction esign does not read") }
            let start = i
            if !matches("?>") { out.append(0x20) }
            while true {
                guard i + 1 < n else { throw OutsideSubset(reason: "unterminated processing instruction") }
                if b[i] == 0x3F && b[i + 1] == 0x3E {
                    i += 2
                    break
                }
                // As in comments: XMLTree refuses "<!DOCTYPE" and "<!ENTITY" anywhere.
                if b[i] == 0x3C && b[i + 1] == 0x21 {
                    throw OutsideSubset(reason: "<! inside a processing instruction")
                }
                if b[i] == 0x0D {
                    out.append(0x0A)
                    i += (b[i + 1] == 0x0A) ? 2 : 1
                    continue
                }
                let from = i
                try character(at: &i)
                copy(from..<i)
                guard i - start <= Self.maximumTextRun else { throw OutsideSubset(reason: "a very long instruction") }
            }
        }
        append("?>")
        if placement == .beforeRoot { out.append(0x0A) }
    }

    // MARK: Characters

    /// Steps over one character XML allows (\t, \n, \r or not a control character; valid UTF-8;
    /// not U+FFFE or U+FFFF).
    private func character(at index: inout Int) throws(OutsideSubset) {
        let byte = b[index]
        if byte >= 0x80 {
            index += try utf8Sequence(at: index)
        } else if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
            throw OutsideSubset(reason: "a control character")
        } else {
            index += 1
        }
    }

    /// The length of the well-formed UTF-8 sequence of an XML character at `index`.
    private func utf8Sequence(at index: Int) throws(OutsideSubset) -> Int {
        let lead = b[index]
        @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            index + offset < n && b[index + offset] >= low && b[index + offset] <= high
        }
        switch lead {
        case 0xC2...0xDF:
            if continuation(1) { return 2 }
        case 0xE0:
            if continuation(1, 0xA0) && continuation(2) { return 3 }
        case 0xE1...0xEC, 0xEE:
            if continuation(1) && continuation(2) { return 3 }
        case 0xED:
            if continuation(1, 0x80, 0x9F) && continuation(2) { return 3 }
        case 0xEF:
            if continuation(1) && continuation(2) {
                if b[index + 1] == 0xBF && b[index + 2] >= 0xBE { break }  // U+FFFE, U+FFFF
                return 3
            }
        case 0xF0:
            if continuation(1, 0x90) && continuation(2) && continuation(3) { return 4 }
        case 0xF1...0xF3:
            if continuation(1) && continuation(2) && continuation(3) { return 4 }
        case 0xF4:
            if continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) { return 4 }
        default:
            break
        }
        throw OutsideSubset(reason: "not UTF-8, or a character XML forbids")
    }

    static func isXMLChar(_ scalar: UInt32) -> Bool {
        scalar == 0x09 || scalar == 0x0A || scalar == 0x0D || (scalar >= 0x20 && scalar <= 0xD7FF)
            || (scalar >= 0xE000 && scalar <= 0xFFFD) || (scalar >= 0x10000 && scalar <= 0x10FFFF)
    }

    // MARK: Bytes

    @inline(__always) private mutating func flush(_ run: Int) {
        if i > run { copy(run..<i) }
    }

    /// Input bytes to the output (bounds are the reader's own, always within the input).
    @inline(__always) private mutating func copy(_ range: Range<Int>) {
        out.append(b.baseAddress! + range.lowerBound, count: range.count, readable: n - range.lowerBound)
    }

    @inline(__always) private mutating func append(_ text: StaticString) { out.append(text) }

    private mutating func appendUTF8(_ scalar: UInt32) {
        if scalar < 0x80 {
            out.append(UInt8(scalar))
        } else if scalar < 0x800 {
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        } else if scalar < 0x10000 {
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    @discardableResult @inline(__always) private mutating func skipSpaces() -> Bool {
        var j = i
        while j < n && isSpace(b[j]) { j += 1 }
        defer { i = j }
        return j > i
    }

    /// Past the character data from `start` that is copied as it is: ASCII text, and UTF-8
    /// sequences of XML characters; stops at markup, a reference, `>`, `\r`, a control character
    /// or the end. Throws on bytes that are not UTF-8. ASCII is read byte by byte up to 16 bytes
    /// (the whitespace between tags ends there); from the first other byte, or past 16, the text
    /// goes 32 bytes at a time (``XMLTextKernel``): Vietnamese mixes one-, two- and
    /// three-byte sequences too irregularly for a byte loop's branches to be predicted.
    @inline(__always) private mutating func skipCharacterData(from start: Int) throws(OutsideSubset) -> Int {
        var j = start
        let limit = min(n, start &+ 16)
        while j < limit && classes[Int(b[j])] & ByteClass.text != 0 { j &+= 1 }
        if textKernel && j < n && (j == limit || b[j] >= 0x80) {
            j &+= esign_xml_text_prefix(b.baseAddress! + j, n &- j)
        }
        return try scanCharacterData(from: j)
    }

    /// Byte by byte from `start` to the first byte that ends the run, or the end.
    @inline(__always) private mutating func scanCharacterData(from start: Int) throws(OutsideSubset) -> Int {
        var j = start
        while j < n {
            let kind = classes[Int(b[j])]
            if kind & ByteClass.text != 0 {
                j &+= 1
                continue
            }
            if kind & ByteClass.lead2 != 0 && j + 1 < n && b[j + 1] & 0xC0 == 0x80 {
                j &+= 2
                continue
            }
            if kind & ByteClass.lead3 != 0 && j + 2 < n && b[j + 1] & 0xC0 == 0x80 && b[j + 2] & 0xC0 == 0x80 {
                j &+= 3
                continue
            }
            if kind & ByteClass.special != 0 { break }
            j += try utf8Sequence(at: j)  // the other sequences, and anything malformed (throws)
        }
        return j
    }

    @inline(__always) private mutating func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    @inline(__always) private mutating func isNameStart(_ byte: UInt8) -> Bool {
        classes[Int(byte)] & ByteClass.nameStart != 0
    }

    @inline(__always) private mutating func isNameByte(_ byte: UInt8) -> Bool {
        classes[Int(byte)] & ByteClass.name != 0
    }

    /// A qualified name's local part.
    static func localPart(_ name: Range<Int>, prefixLength: Int) -> Range<Int> {
        (name.lowerBound + (prefixLength > 0 ? prefixLength + 1 : 0))..<name.upperBound
    }

    private mutating func matches(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard i + count <= n else { return false }
        return equals(i..<(i + count), text)
    }

    private mutating func equals(_ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let pattern = text.utf8Start
        for offset in 0..<range.count where b[range.lowerBound + offset] != pattern[offset] { return false }
        return true
    }

    private mutating func equals(_ range: Range<Int>, _ pattern: [UInt8]) -> Bool {
        guard range.count == pattern.count else { return false }
        for offset in 0..<range.count where b[range.lowerBound + offset] != pattern[offset] { return false }
        return true
    }

    private mutating func equalsIgnoringCase(_ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let pattern = text.utf8Start
        for offset in 0..<range.count {
            let byte = b[range.lowerBound + offset]
            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if lower != pattern[offset] { return false }
        }
        return true
    }

    @inline(__always) private mutating func same(_ x: Range<Int>, _ y: Range<Int>) -> Bool {
        guard x.count == y.count else { return false }
        if x.lowerBound == y.lowerBound || x.isEmpty { return true }
        return memcmp(b.baseAddress! + x.lowerBound, b.baseAddress! + y.lowerBound, x.count) == 0
    }

    /// Byte order of UTF-8 is code-point order, which C14N sorts by.
    private mutating func lessThan(_ x: Range<Int>, _ y: Range<Int>) -> Bool {
        let common = min(x.count, y.count)
        for offset in 0..<common {
            let p = b[x.lowerBound + offset]
            let q = b[y.lowerBound + offset]
            if p != q { return p < q }
        }
        return x.count < y.count
    }

    private mutating func isIdentifierName(_ name: Range<Int>) -> Bool {
        name.count == 2 && b[name.lowerBound] | 0x20 == 0x69 && b[name.lowerBound + 1] | 0x20 == 0x64
            && !(b[name.lowerBound] == 0x69 && b[name.lowerBound + 1] == 0x44)  // Id, ID, id; not iD
    }

    private static func isAlpha(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    private static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
    }

    /// Characters of a namespace URI besides the scheme and %HH: RFC 3986's unreserved and
    /// reserved characters but for the brackets and the apostrophe.
    private static let uriByte: [Bool] = (0..<256).map { byte in
        guard byte > 0x20 && byte < 0x7F else { return false }
        return !"\"<>\\^`{|}[]'&".utf8.contains(UInt8(byte))
    }
}

/// Byte classes for the reader's loops, as bit flags in one 256-entry table (allocated once,
/// never freed: it lives as long as the process).
enum ByteClass {
    /// Copied as it is in character data: ASCII from space on but `<`, `&`, `>`; tab, line feed.
    static let text: UInt8 = 1
    /// Starts a name the reader takes: ASCII letters and `_`.
    static let nameStart: UInt8 = 2
    /// Continues a name: a name start, digits, `-`, `.`.
    static let name: UInt8 = 4
    /// Leads a two-byte UTF-8 sequence (C2–DF).
    static let lead2: UInt8 = 8
    /// Leads a three-byte UTF-8 sequence with no special case (E1–EC, EE).
    static let lead3: UInt8 = 16
    /// Ends a run of character data: `<`, `&`, `>`, `\r`, control characters.
    static let special: UInt8 = 32
    /// Copied as it is in an attribute value: printable ASCII but `<`, `&` and the quotes.
    static let valueText: UInt8 = 64

    /// Written once when first used (a lazy static is initialised once, thread-safely) and only
    /// read after: sharing it between threads is safe.
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for value in 0..<256 {
            let byte = UInt8(value)
            var kind: UInt8 = 0
            if (byte >= 0x20 && byte < 0x80 && byte != 0x3C && byte != 0x26 && byte != 0x3E) || byte == 0x09
                || byte == 0x0A
            {
                kind |= text
            }
            let folded = byte | 0x20
            if (folded >= 0x61 && folded <= 0x7A) || byte == 0x5F { kind |= nameStart | name }
            if (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E { kind |= name }
            if byte >= 0xC2 && byte <= 0xDF { kind |= lead2 }
            if (byte >= 0xE1 && byte <= 0xEC) || byte == 0xEE { kind |= lead3 }
            if byte < 0x80 && kind & text == 0 { kind |= special }
            if byte >= 0x20 && byte < 0x7F && byte != 0x3C && byte != 0x26 && byte != 0x22 && byte != 0x27 {
                kind |= valueText
            }
            table[value] = kind
        }
        return UnsafePointer(table)
    }()
}
