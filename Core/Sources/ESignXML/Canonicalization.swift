import CLibXML2

/// The canonical XML methods of XML signatures, by their algorithm URIs: C14N 1.0 and 1.1
/// (inclusive) and exclusive C14N, each with or without comments.
public enum Canonicalization: String, Sendable, CaseIterable {
    case c14n10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    case c14n10WithComments = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
    case c14n11 = "http://www.w3.org/2006/12/xml-c14n11"
    case c14n11WithComments = "http://www.w3.org/2006/12/xml-c14n11#WithComments"
    case exclusive = "http://www.w3.org/2001/10/xml-exc-c14n#"
    case exclusiveWithComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"

    public var keepsComments: Bool {
        self == .c14n10WithComments || self == .c14n11WithComments || self == .exclusiveWithComments
    }

    public var isExclusive: Bool { self == .exclusive || self == .exclusiveWithComments }

    var mode: Int32 {
        switch self {
        case .c14n10, .c14n10WithComments: return Int32(XML_C14N_1_0.rawValue)
        case .c14n11, .c14n11WithComments: return Int32(XML_C14N_1_1.rawValue)
        case .exclusive, .exclusiveWithComments: return Int32(XML_C14N_EXCLUSIVE_1_0.rawValue)
        }
    }
}

/// What of a document to canonicalise: a subtree (or the whole document), less a subtree inside
/// it (the enveloped signature), with or without comments.
public struct NodeSelection: Sendable {
    /// The subtree's apex, or nil for the whole document.
    public var subtree: XMLTree.Element?
    /// An element left out with everything inside it (the enveloped-signature transform).
    public var excluding: XMLTree.Element?
    /// Comments are kept only when the method keeps them and the reference allows it (a
    /// same-document reference `""` or `#id` never keeps them).
    public var comments: Bool

    public init(subtree: XMLTree.Element? = nil, excluding: XMLTree.Element? = nil, comments: Bool = false) {
        self.subtree = subtree
        self.excluding = excluding
        self.comments = comments
    }
}

extension XMLTree {
    /// The canonical form of `selection` by `method`, with exclusive C14N's InclusiveNamespaces
    /// `prefixes` (ignored by the inclusive methods).
    public func canonicalize(
        _ method: Canonicalization, _ selection: NodeSelection = NodeSelection(),
        inclusivePrefixes prefixes: [String] = []
    ) throws(XMLError) -> [UInt8] {
        var output: [UInt8] = []
        try canonicalize(method, selection, inclusivePrefixes: prefixes) { output.append(contentsOf: $0) }
        return output
    }

    /// The same, streamed to `sink` in pieces (to a hash, without holding the whole form).
    public func canonicalize(
        _ method: Canonicalization, _ selection: NodeSelection, inclusivePrefixes prefixes: [String] = [],
        into sink: (UnsafeRawBufferPointer) -> Void
    ) throws(XMLError) {
        var filter = VisibilityFilter(
            include: selection.subtree?.node, exclude: selection.excluding?.node)
        let comments: Int32 = method.keepsComments && selection.comments ? 1 : 0
        let status = withoutActuallyEscaping(sink) { sink in
            var writer = SinkBox(sink: sink)
            return withUnsafeMutablePointer(to: &writer) { writerPointer in
                guard let buffer = xmlOutputBufferCreateIO(writeToSink, nil, writerPointer, nil) else {
                    return Int32(-2)
                }
                let result: Int32 = withPrefixList(method.isExclusive ? prefixes : []) { list in
                    if filter.include == nil && filter.exclude == nil {
                        return xmlC14NExecute(pointer, nil, nil, method.mode, list, comments, buffer)
                    }
                    return withUnsafeMutablePointer(to: &filter) {
                        xmlC14NExecute(pointer, isVisible, $0, method.mode, list, comments, buffer)
                    }
                }
                let closed = xmlOutputBufferClose(buffer)
                return result < 0 ? result : (closed < 0 ? closed : Int32(0))
            }
        }
        if status == -2 { throw .library("xmlOutputBufferCreateIO") }
        if status < 0 { throw .library("canonicalisation (xmlC14NExecute) failed") }
    }
}

/// Which nodes the canonicaliser renders: inside `include` (or anywhere when nil), outside `exclude`.
private struct VisibilityFilter {
    let include: xmlNodePtr?
    let exclude: xmlNodePtr?
}

/// The sink, reached from libxml2's write callback.
private struct SinkBox {
    let sink: (UnsafeRawBufferPointer) -> Void
}

/// libxml2 asks for every node, attribute and namespace node; `parent` is the node's parent (for an
/// attribute or a namespace, its element). A namespace "node" is an xmlNs, never dereferenced here.
private func isVisible(_ context: UnsafeMutableRawPointer?, _ node: xmlNodePtr?, _ parent: xmlNodePtr?) -> Int32 {
    guard let context, let node else { return 0 }
    let filter = context.assumingMemoryBound(to: VisibilityFilter.self).pointee
    if let exclude = filter.exclude {
        if node == exclude || isWithin(parent, exclude) { return 0 }
    }
    guard let include = filter.include else { return 1 }
    return node == include || isWithin(parent, include) ? 1 : 0
}

private func isWithin(_ node: xmlNodePtr?, _ ancestor: xmlNodePtr) -> Bool {
    var current = node
    while let node = current {
        if node == ancestor { return true }
        current = node.pointee.parent
    }
    return false
}

private func writeToSink(_ context: UnsafeMutableRawPointer?, _ buffer: UnsafePointer<CChar>?, _ length: Int32) -> Int32
{
    guard let context, let buffer, length >= 0 else { return -1 }
    let box = context.assumingMemoryBound(to: SinkBox.self).pointee
    box.sink(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
    return length
}

/// A NULL-terminated array of C strings for libxml2, alive for the call.
private func withPrefixList<R>(
    _ prefixes: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<xmlChar>?>?) -> R
)
    -> R
{
    guard !prefixes.isEmpty else { return body(nil) }
    var strings: [UnsafeMutablePointer<xmlChar>?] = prefixes.map { prefix in
        // "#default" names the default namespace in an InclusiveNamespaces PrefixList.
        let bytes = Array(prefix.utf8) + [0]
        let copy = UnsafeMutablePointer<xmlChar>.allocate(capacity: bytes.count)
        copy.initialize(from: bytes, count: bytes.count)
        return copy
    }
    strings.append(nil)
    defer { for case let string? in strings { string.deallocate() } }
    return strings.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
