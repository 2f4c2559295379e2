import CSystemShims
import Foundation

/// The files under a folder, at any depth, as paths that start with the folder's, from one
/// directory read per folder: each entry's kind comes with its name (d_type), where asking for each
/// file (`FileManager.fileExists`, a stat) took 2 ms per 1,000 files, before any was verified.
/// Symbolic links are followed, each folder read once (a link back up the tree is not a loop); a
/// link to nothing is left out.
public enum FolderWalk {
    public static func files(under folder: String, where keep: (String) -> Bool) -> [String] {
        var found: [String] = []
        var pending = [folder]
        var seen: Set<String> = []
        while let directory = pending.popLast() {
            guard seen.insert((directory as NSString).resolvingSymlinksInPath).inserted else { continue }
            for (name, isFolder) in entries(of: directory) {
                let path = (directory as NSString).appendingPathComponent(name)
                if isFolder {
                    pending.append(path)
                } else if keep(name) {
                    found.append(path)
                }
            }
        }
        return found
    }

    /// The folder's entries that exist (name, whether a folder); none when it cannot be read.
    static func entries(of directory: String) -> [(name: String, isFolder: Bool)] {
        guard let folder = esign_folder_open(directory) else { return [] }
        defer { esign_folder_close(folder) }
        var entries: [(name: String, isFolder: Bool)] = []
        var kind: CChar = 0
        while let name = esign_folder_next(folder, &kind) {
            guard kind != CChar(UInt8(ascii: "x")) else { continue }
            entries.append((String(cString: name), kind == CChar(UInt8(ascii: "d"))))
        }
        return entries
    }
}
