/// Where each indirect object is used in one revision: every (container, key path) from which a
/// reference to it is reachable, starting at the trailer. Difference analysis needs this to know
/// whether an object that changed is used only in places where the change is allowed.
public struct ReferenceGraph: Sendable {
    /// One place a reference appears: inside `container` (nil = the trailer) under `path`
    /// (dictionary keys and array indexes, e.g. ["Annots", "2"]).
    public struct Usage: Hashable, Sendable, CustomStringConvertible {
        public let container: ObjectReference?
        public let path: [String]
        public var description: String { "\(container.map { "\($0)" } ?? "trailer")/\(path.joined(separator: "/"))" }
    }

    public private(set) var usages: [ObjectReference: Set<Usage>] = [:]
    /// Objects reachable from the trailer.
    public var reachable: Set<ObjectReference> { Set(usages.keys) }

    /// Walks the revision from its trailer. Keys that only locate file structure (`/Prev`,
    /// `/XRefStm`) are not followed. The walk visits each object once and stops at `limit` objects.
    public init(document: PDFDocument, limit: Int = 2_000_000) throws(PDFError) {
        var queue: [ObjectReference] = []
        var visited: Set<ObjectReference> = []
        func scan(_ object: PDFObject, container: ObjectReference?, path: [String], depth: Int) {
            guard depth < 64 else { return }
            switch object {
            case .reference(let r):
                usages[r, default: []].insert(Usage(container: container, path: path))
                if visited.insert(r).inserted { queue.append(r) }
            case .array(let items):
                for (i, item) in items.enumerated() {
                    scan(item, container: container, path: path + [String(i)], depth: depth + 1)
                }
            case .dictionary(let dict):
                for (key, value) in dict.entries {
                    scan(value, container: container, path: path + [key.string], depth: depth + 1)
                }
            case .stream(let stream):
                for (key, value) in stream.dictionary.entries {
                    scan(value, container: container, path: path + [key.string], depth: depth + 1)
                }
            default: break
            }
        }
        var trailer = document.trailer
        for key in ["Prev", "XRefStm", "Size", "Index", "W", "Length", "Filter", "DecodeParms", "Type"] {
            trailer[key] = nil
        }
        scan(.dictionary(trailer), container: nil, path: [], depth: 0)
        var index = 0
        while index < queue.count && index < limit {
            let reference = queue[index]
            index += 1
            let object = (try? document.object(reference)) ?? .null
            scan(object, container: reference, path: [], depth: 0)
        }
    }
}
