import CLibXML2
import Foundation

/// A parsed XML document (a tree), read so that hostile input cannot reach the network, the file system or
/// an entity expansion: no DTD is accepted (`<!DOCTYPE`, `<!ENTITY` are refused before parsing),
/// the network is off, entities are never substituted, and size and depth are bounded. It owns
/// libxml2's tree and frees it; ``XMLTree.Element`` values keep it alive.
///
/// ```swift
/// let document = try XMLTree(parsing: bytes)
/// let root = document.root
/// let canonical = try document.canonicalize(.exclusive, excluding: signature)
/// ```
public final class XMLTree: @unchecked Sendable {
    /// Bounds on what a document may be: beyond them, ``XMLError/tooLarge(_:)``.
    public struct Limits: Sendable {
        /// Bytes of the document (default 100 MiB).
        public var maximumBytes = 100 << 20
        /// Element nesting (libxml2's own bound without XML_PARSE_HUGE is 256).
        public var maximumDepth = 256
        public init() {}
    }

    let pointer: xmlDocPtr
    /// The bytes parsed, as given: signing splices into them rather than re-serialising the tree.
    public let bytes: [UInt8]
    /// Elements by their `Id`/`ID`/`id`/`xml:id` attribute, with how many elements carry each value.
    private var idIndex: [String: [xmlNodePtr]]?
    private let indexLock = NSLock()

    /// Parses `bytes` as XML under `limits`.
    public init(parsing bytes: [UInt8], limits: Limits = Limits()) throws(XMLError) {
        XMLLibrary.initialise()
        guard bytes.count <= limits.maximumBytes else {
            throw .tooLarge(
                "the XML document is \(bytes.count / (1 << 20)) MiB; esign reads XML of at most "
                    + "\(limits.maximumBytes / (1 << 20)) MiB")
        }
        if let declaration = Self.forbiddenDeclaration(in: bytes) {
            throw .refused(
                "the XML document holds a \(declaration) declaration: esign never reads DTDs or entities "
                    + "(they can fetch files or expand without bound)")
        }
        guard let context = xmlNewParserCtxt() else { throw .library("xmlNewParserCtxt") }
        defer { xmlFreeParserCtxt(context) }
        // No NOENT (entities stay references), no DTDLOAD/DTDATTR/DTDVALID, no HUGE (depth and
        // text-node bounds stay on), NONET so nothing can reach the network even if asked.
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, buffer.count)) {
                xmlCtxtReadMemory(context, $0, Int32(buffer.count), "document.xml", nil, options)
            }
        }
        guard let parsed else {
            throw Self.parseError(context, depthLimit: limits.maximumDepth)
        }
        if parsed.pointee.intSubset != nil || parsed.pointee.extSubset != nil {
            xmlFreeDoc(parsed)
            throw .refused("the XML document has a DTD: esign never reads DTDs or entities")
        }
        pointer = parsed
        self.bytes = bytes
        guard root != nil else { throw .malformed("the document has no root element") }
        if let depth = deepestNesting(limit: limits.maximumDepth), depth > limits.maximumDepth {
            throw .tooLarge("the XML document nests elements deeper than \(limits.maximumDepth) levels")
        }
    }

    deinit { xmlFreeDoc(pointer) }

    /// The root element.
    public var root: XMLTree.Element? {
        xmlDocGetRootElement(pointer).map { XMLTree.Element(document: self, node: $0) }
    }

    /// The encoding the XML declaration names (nil: UTF-8 by default).
    public var declaredEncoding: String? {
        pointer.pointee.encoding.map { String(cString: $0) }
    }

    /// Every element whose `Id`, `ID`, `id` or `xml:id` attribute is `value`. More than one means
    /// the document is ambiguous, the ground of signature-wrapping attacks: callers refuse it.
    public func elements(withID value: String) -> [XMLTree.Element] {
        indexLock.lock()
        defer { indexLock.unlock() }
        if idIndex == nil { idIndex = buildIDIndex() }
        return (idIndex?[value] ?? []).map { XMLTree.Element(document: self, node: $0) }
    }

    /// Forgets the identifier index (after the tree changed).
    func invalidateIndex() {
        indexLock.lock()
        idIndex = nil
        indexLock.unlock()
    }

    private func buildIDIndex() -> [String: [xmlNodePtr]] {
        var index: [String: [xmlNodePtr]] = [:]
        guard let top = xmlDocGetRootElement(pointer) else { return index }
        XMLTree.Element.walk(top) { node in
            var attribute = node.pointee.properties
            while let current = attribute {
                if let value = XMLTree.Element.identifierValue(current) { index[value, default: []].append(node) }
                attribute = current.pointee.next
            }
        }
        return index
    }

    /// The deepest element nesting, stopping early past `limit`.
    private func deepestNesting(limit: Int) -> Int? {
        guard let top = xmlDocGetRootElement(pointer) else { return nil }
        var deepest = 0
        var stack: [(xmlNodePtr, Int)] = [(top, 1)]
        while let (node, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            if deepest > limit { return deepest }
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE { stack.append((current, depth + 1)) }
                child = current.pointee.next
            }
        }
        return deepest
    }

    /// `<!DOCTYPE` or `<!ENTITY` anywhere in the bytes (XML keywords are case-sensitive; a false
    /// alarm inside a comment or a CDATA section is refused too: the cost of certainty is small).
    static func forbiddenDeclaration(in bytes: [UInt8]) -> String? {
        // Every declaration starts "<!": memchr finds the '!' (rare in XML) far faster than a
        // byte loop looks at every '<' (this runs on every document and every signature parsed).
        bytes.withUnsafeBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress else { return nil }
            var index = 1
            while index < buffer.count, let found = memchr(base + index, 0x21, buffer.count - index) {
                let bang = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if base[bang - 1] == 0x3C {
                    if Self.matches(buffer, at: bang - 1, "<!DOCTYPE") { return "<!DOCTYPE" }
                    if Self.matches(buffer, at: bang - 1, "<!ENTITY") { return "<!ENTITY" }
                }
                index = bang + 1
            }
            return nil
        }
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ pattern: StaticString) -> Bool {
        let count = pattern.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return memcmp(bytes.baseAddress! + index, pattern.utf8Start, count) == 0
    }

    private static func parseError(_ context: xmlParserCtxtPtr, depthLimit: Int) -> XMLError {
        guard let error = xmlCtxtGetLastError(context), let message = error.pointee.message else {
            return .malformed("the parser gave no reason")
        }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.contains("Excessive depth") {
            return .tooLarge("the XML document nests elements deeper than \(depthLimit) levels")
        }
        if error.pointee.code == Int32(XML_ERR_NO_MEMORY.rawValue) { return .library("out of memory") }
        return .malformed("\(text) (line \(error.pointee.line))")
    }
}

/// libxml2's one-time set-up, required before threads use the parser.
enum XMLLibrary {
    private static let once: Void = { xmlInitParser() }()
    static func initialise() { _ = once }
}
