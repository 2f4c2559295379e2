extension XMLDocumentOutline {
    /// Where this reading of the bytes differs from libxml2's tree of the same bytes, or nil when
    /// it agrees: the same elements (names, namespaces, identifiers), and for every method the
    /// same canonical form, whole, less the element `chosen`, and of that element alone (parsed by
    /// libxml2 in its namespace scope, ``subtree(_:)``, and read by the byte reader,
    /// ``canonicalize(element:_:inclusivePrefixes:)``); less the root, the reader writes nothing
    /// to compare.
    /// The differential tests and the fuzzer hold the byte reader to libxml2 with it. `prefixes`
    /// is exclusive C14N's InclusiveNamespaces list.
    public func disagreement(
        with tree: XMLTree, element chosen: Int, inclusivePrefixes prefixes: [String] = []
    )
        -> String?
    {
        let nodes = tree.elementsInDocumentOrder
        guard nodes.count == elements.count else {
            return "the byte reader sees \(elements.count) elements, libxml2 \(nodes.count)"
        }
        for (index, node) in nodes.enumerated()
        where qualifiedName(index) != node.qualifiedName || namespace(index) != node.namespace
            || identifier(index) != node.identifier
        {
            return "element \(index) (\(node.qualifiedName)) is read differently"
        }
        for method in [Canonicalization.exclusive, .c14n10, .c14n11] {
            let list = method.isExclusive ? prefixes : []
            guard let expected = try? tree.canonicalize(method, NodeSelection(), inclusivePrefixes: list) else {
                return "libxml2 cannot canonicalise what the byte reader read"
            }
            if let difference = Self.difference(expected, canonicalize(method, inclusivePrefixes: list)) {
                return "\(method) \(list) differs \(difference)"
            }
            guard
                let less = try? tree.canonicalize(
                    method, NodeSelection(excluding: nodes[chosen]), inclusivePrefixes: list),
                let inPlace = try? tree.canonicalize(
                    method, NodeSelection(subtree: nodes[chosen]), inclusivePrefixes: list)
            else { return "libxml2 cannot canonicalise element \(chosen) or the document less it" }
            // Less the root is not a form the reader writes (``canonicalize(_:inclusivePrefixes:excluding:)``).
            let mineLess = canonicalize(method, inclusivePrefixes: list, excluding: chosen)
            if chosen != root, let difference = Self.difference(less, mineLess) {
                return "\(method) \(list) less element \(chosen) differs \(difference)"
            }
            let alone = (try? subtree(chosen)).flatMap { alone in
                alone.root?.children.first.flatMap {
                    try? alone.canonicalize(method, NodeSelection(subtree: $0), inclusivePrefixes: list)
                }
            }
            if let difference = Self.difference(inPlace, alone) {
                return "\(method) \(list) of element \(chosen) alone differs \(difference)"
            }
            let read = canonicalize(element: chosen, method, inclusivePrefixes: list)
            if let difference = Self.difference(inPlace, read) {
                return "\(method) \(list) of element \(chosen) read alone by the byte reader differs \(difference)"
            }
        }
        return nil
    }

    /// Where two canonical forms part, with some context of each; nil when they are equal.
    private static func difference(_ expected: [UInt8], _ actual: [UInt8]?) -> String? {
        guard let actual else { return "(the byte reader wrote nothing)" }
        guard actual != expected else { return nil }
        var at = 0
        while at < expected.count && at < actual.count && expected[at] == actual[at] { at += 1 }
        let from = max(0, at - 60)
        func around(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[min(from, bytes.count)..<min(bytes.count, at + 60)], as: UTF8.self)
        }
        return "at byte \(at): libxml2 …\(around(expected))… byte reader …\(around(actual))…"
    }
}
