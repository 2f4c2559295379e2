import CLibXML2

extension XMLTree {
    /// An element of an ``XMLTree``: its name, namespace, attributes, children and text. It keeps
    /// its document alive; two values are equal when they are the same element.
    public struct Element: @unchecked Sendable, Hashable {
        public let document: XMLTree
        let node: xmlNodePtr

        init(document: XMLTree, node: xmlNodePtr) {
            self.document = document
            self.node = node
        }

        public static func == (a: XMLTree.Element, b: XMLTree.Element) -> Bool { a.node == b.node }
        public func hash(into hasher: inout Hasher) { hasher.combine(node) }

        /// The local name (without prefix).
        public var localName: String { String(cString: node.pointee.name) }

        /// The name as written, with its prefix.
        public var qualifiedName: String { prefix.map { "\($0):\(localName)" } ?? localName }

        /// The namespace URI, or nil.
        public var namespace: String? { node.pointee.ns?.pointee.href.map { String(cString: $0) } }

        /// The prefix the element is written with, or nil.
        public var prefix: String? { node.pointee.ns?.pointee.prefix.map { String(cString: $0) } }

        /// Whether this is `name` in namespace `namespace`.
        public func isElement(_ name: String, in namespace: String) -> Bool {
            localName == name && self.namespace == namespace
        }

        /// The value of the attribute `name` in no namespace.
        public func attribute(_ name: String) -> String? {
            guard let value = xmlGetNoNsProp(node, name) else { return nil }
            defer { esign_xml_free(value) }
            return String(cString: value)
        }

        /// Every attribute as (namespace, local name, value), in document order.
        public var attributes: [(namespace: String?, name: String, value: String)] {
            var result: [(String?, String, String)] = []
            var attribute = node.pointee.properties
            while let current = attribute {
                let name = String(cString: current.pointee.name)
                let namespace = current.pointee.ns?.pointee.href.map { String(cString: $0) }
                var value = ""
                if let text = xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1) {
                    value = String(cString: text)
                    esign_xml_free(text)
                }
                result.append((namespace, name, value))
                attribute = current.pointee.next
            }
            return result
        }

        /// The element's identifier: its `Id`, `ID`, `id` or `xml:id` attribute.
        public var identifier: String? {
            var attribute = node.pointee.properties
            while let current = attribute {
                if let value = Self.identifierValue(current) { return value }
                attribute = current.pointee.next
            }
            return nil
        }

        /// Child elements, in order.
        public var children: [XMLTree.Element] {
            var result: [XMLTree.Element] = []
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE {
                    result.append(XMLTree.Element(document: document, node: current))
                }
                child = current.pointee.next
            }
            return result
        }

        /// The child elements named `name` in `namespace`.
        public func children(_ name: String, in namespace: String) -> [XMLTree.Element] {
            children.filter { $0.isElement(name, in: namespace) }
        }

        /// The first child element named `name` in `namespace`.
        public func child(_ name: String, in namespace: String) -> XMLTree.Element? {
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE {
                    let element = XMLTree.Element(document: document, node: current)
                    if element.isElement(name, in: namespace) { return element }
                }
                child = current.pointee.next
            }
            return nil
        }

        /// Whether the element has child nodes other than elements, whitespace text and comments
        /// (text or CDATA holding more than whitespace, processing instructions, entity references).
        public var hasNonElementContent: Bool {
            var child = node.pointee.children
            while let current = child {
                switch current.pointee.type {
                case XML_ELEMENT_NODE, XML_COMMENT_NODE: break
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = current.pointee.content,
                        String(cString: content).contains(where: { !$0.isWhitespace })
                    {
                        return true
                    }
                default: return true
                }
                child = current.pointee.next
            }
            return false
        }

        /// The parent element, or nil for the root.
        public var parent: XMLTree.Element? {
            guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
            return XMLTree.Element(document: document, node: parent)
        }

        /// Whether this element is `ancestor` or lies inside it.
        public func isWithin(_ ancestor: XMLTree.Element) -> Bool {
            var current: xmlNodePtr? = node
            while let node = current {
                if node == ancestor.node { return true }
                current = node.pointee.parent
            }
            return false
        }

        /// The concatenated text of the element and its descendants.
        public var text: String {
            guard let content = xmlNodeGetContent(node) else { return "" }
            defer { esign_xml_free(content) }
            return String(cString: content)
        }

        /// Every descendant element (not the element itself) named `name` in `namespace`, in document order.
        public func descendants(_ name: String, in namespace: String) -> [XMLTree.Element] {
            var result: [XMLTree.Element] = []
            Self.walk(node) { current in
                guard current != node else { return }
                let element = XMLTree.Element(document: document, node: current)
                if element.isElement(name, in: namespace) { result.append(element) }
            }
            return result
        }

        /// Where the element sits, for messages: its path of local names from the root.
        public var path: String {
            var names: [String] = []
            var current: XMLTree.Element? = self
            while let element = current {
                names.append(element.localName)
                current = element.parent
            }
            return "/" + names.reversed().joined(separator: "/")
        }

        /// Visits `top` and its descendant elements in document order, without recursion.
        static func walk(_ top: xmlNodePtr, _ visit: (xmlNodePtr) -> Void) {
            var stack: [xmlNodePtr] = [top]
            while let node = stack.popLast() {
                visit(node)
                var children: [xmlNodePtr] = []
                var child = node.pointee.children
                while let current = child {
                    if current.pointee.type == XML_ELEMENT_NODE { children.append(current) }
                    child = current.pointee.next
                }
                stack.append(contentsOf: children.reversed())
            }
        }

        /// The value of an identifier attribute (`Id`, `ID`, `id` in no namespace, or `xml:id`), or nil.
        static func identifierValue(_ attribute: xmlAttrPtr) -> String? {
            let name = String(cString: attribute.pointee.name)
            if let ns = attribute.pointee.ns {
                guard name == "id", let href = ns.pointee.href,
                    String(cString: href) == "http://www.w3.org/XML/1998/namespace"
                else { return nil }
            } else if name != "Id" && name != "ID" && name != "id" {
                return nil
            }
            guard let text = xmlNodeListGetString(attribute.pointee.doc, attribute.pointee.children, 1) else {
                return ""
            }
            defer { esign_xml_free(text) }
            return String(cString: text)
        }
    }
}
